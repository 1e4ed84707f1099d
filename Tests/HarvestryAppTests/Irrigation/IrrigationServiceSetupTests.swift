import API
import Domain
import Foundation
import GRPCCore
import GRPCProtobuf
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("IrrigationService setup over gRPC")
    struct IrrigationServiceSetupTests {
        @Test("mix tanks, nutrient products and injector channels: CRUD, fields named, roles, references in use")
        func supply() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: metadata)
                let irrigation = server.irrigation
                let tank = try await irrigation.createMixTank(
                    .with {
                        $0.parent = f.site
                        $0.mixTank = .with {
                            $0.code = "TANK-A"
                            $0.displayName = "Feed A"
                            $0.capacityLiters = 500
                            $0.levelSensor = f.valves[0].name
                        }
                    },
                    metadata: metadata
                )
                #expect(tank.name == "\(f.site)/mixTanks/\(tank.id)" && tank.levelSensor == f.valves[0].name)
                #expect(tank.hasCreateTime)
                // AIP-155: a repeated request_id answers the first response without creating again.
                let once = Harvestry_Irrigation_V1_CreateMixTankRequest.with {
                    $0.parent = f.site
                    $0.mixTank = .with {
                        $0.code = "TANK-R"
                        $0.displayName = "Replayed"
                        $0.capacityLiters = 10
                    }
                    $0.requestID = "setup-replay-1"
                }
                let first = try await irrigation.createMixTank(once, metadata: metadata)
                #expect(try await irrigation.createMixTank(once, metadata: metadata) == first)
                _ = try await irrigation.deleteMixTank(.with { $0.name = first.name }, metadata: metadata)
                let product = try await irrigation.createNutrientProduct(
                    .with {
                        $0.parent = f.site
                        $0.nutrientProduct = .with {
                            $0.code = "BLOOM"
                            $0.displayName = "Bloom A"
                        }
                    },
                    metadata: metadata
                )
                let channel = try await irrigation.createInjectorChannel(
                    .with {
                        $0.parent = tank.name
                        $0.injectorChannel = .with {
                            $0.channel = 1
                            $0.nutrientProduct = product.name
                            $0.mlPerLiter = 2.5
                            $0.pump = f.valves[1].name
                        }
                    },
                    metadata: metadata
                )
                #expect(channel.name.hasPrefix("\(tank.name)/injectorChannels/") && channel.mlPerLiter == 2.5)
                #expect(
                    try await irrigation.getInjectorChannel(.with { $0.name = channel.name }, metadata: metadata)
                        == channel
                )

                // Every bad field named at once, by its proto path; the ranges are the table's.
                let bad = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.createMixTank(
                        .with {
                            $0.parent = f.site
                            $0.mixTank = .with {
                                $0.code = "-bad"
                                $0.displayName = ""
                                $0.capacityLiters = 0
                                $0.levelSensor = "sites/\(UUID())/equipment/\(UUID())"
                            }
                        },
                        metadata: metadata
                    )
                }
                #expect(
                    Set(bad?.fieldViolations.map(\.field) ?? []) == [
                        "mix_tank.code", "mix_tank.display_name", "mix_tank.capacity_liters", "mix_tank.level_sensor",
                    ]
                )
                let badChannel = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.updateInjectorChannel(
                        .with {
                            $0.injectorChannel.name = channel.name
                            $0.injectorChannel.channel = 17
                            $0.injectorChannel.mlPerLiter = 101
                            $0.updateMask.paths = ["channel", "ml_per_liter"]
                        },
                        metadata: metadata
                    )
                }
                #expect(
                    Set(badChannel?.fieldViolations.map(\.field) ?? []) == [
                        "injector_channel.channel", "injector_channel.ml_per_liter",
                    ]
                )
                await expectStatus(.alreadyExists) {
                    _ = try await irrigation.createInjectorChannel(
                        .with {
                            $0.parent = tank.name
                            $0.injectorChannel.channel = 1
                        },
                        metadata: metadata
                    )
                }

                // Update: masked fields only; an unset masked reference clears it.
                let changed = try await irrigation.updateMixTank(
                    .with {
                        $0.mixTank.name = tank.name
                        $0.mixTank.displayName = "Feed A2"
                        $0.mixTank.capacityLiters = 9_999
                        $0.updateMask.paths = ["display_name", "level_sensor"]
                    },
                    metadata: metadata
                )
                #expect(
                    changed.displayName == "Feed A2" && changed.capacityLiters == 500 && changed.levelSensor.isEmpty
                )
                let channels = try await irrigation.listInjectorChannels(
                    .with { $0.parent = tank.name },
                    metadata: metadata
                )
                #expect(channels.injectorChannels.map(\.id) == [channel.id])

                // Reads for any role of the site; changes for admins and managers.
                let (badge, _) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                let operatorMetadata = try await server.login(badge).metadata
                let seen = try await irrigation.listMixTanks(.with { $0.parent = f.site }, metadata: operatorMetadata)
                #expect(seen.mixTanks.map(\.id) == [tank.id])
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await irrigation.deleteInjectorChannel(
                        .with { $0.name = channel.name },
                        metadata: operatorMetadata
                    )
                }
                // Another site of the tenant that the caller has no role in, and a name in the wrong site.
                await expectStatus(.notFound) {
                    _ = try await irrigation.getMixTank(
                        .with { $0.name = "\(tenant.site(1))/mixTanks/\(tank.id)" },
                        metadata: metadata
                    )
                }

                // In use: the product by the channel, the tank by the group.
                let productInUse = await expectStatus(.failedPrecondition, reason: "NUTRIENT_PRODUCT_IN_USE") {
                    _ = try await irrigation.deleteNutrientProduct(.with { $0.name = product.name }, metadata: metadata)
                }
                #expect(productInUse?.message.contains("channel 1") == true)
                // A group draws from the tank (UpdateIrrigationGroup's `mix_tank`): the tank is then in use.
                let drawing = try await irrigation.updateIrrigationGroup(
                    .with {
                        $0.irrigationGroup.name = f.group.name
                        $0.irrigationGroup.mixTank = tank.name
                        $0.updateMask.paths = ["mix_tank"]
                    },
                    metadata: metadata
                )
                #expect(drawing.mixTank == tank.name && drawing.zones == f.group.zones)
                let tankInUse = await expectStatus(.failedPrecondition, reason: "MIX_TANK_IN_USE") {
                    _ = try await irrigation.deleteMixTank(.with { $0.name = tank.name }, metadata: metadata)
                }
                #expect(tankInUse?.errorInfo?.metadata["group_id"] == f.group.id)
                let wrongTank = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.updateIrrigationGroup(
                        .with {
                            $0.irrigationGroup.name = f.group.name
                            $0.irrigationGroup.mixTank = "\(f.site)/mixTanks/\(UUID())"
                            $0.updateMask.paths = ["mix_tank"]
                        },
                        metadata: metadata
                    )
                }
                #expect(wrongTank?.fieldViolations.map(\.field) == ["irrigation_group.mix_tank"])
                let cleared = try await irrigation.updateIrrigationGroup(
                    .with {
                        $0.irrigationGroup.name = f.group.name
                        $0.updateMask.paths = ["mix_tank"]
                    },
                    metadata: metadata
                )
                #expect(cleared.mixTank.isEmpty)
                _ = try await irrigation.deleteMixTank(.with { $0.name = tank.name }, metadata: metadata)
                _ = try await irrigation.deleteNutrientProduct(.with { $0.name = product.name }, metadata: metadata)
                await expectStatus(.notFound) {
                    _ = try await irrigation.getInjectorChannel(.with { $0.name = channel.name }, metadata: metadata)
                }
            }
        }

        @Test("settings: defaults, a masked update the engine's store reads back, bounds named; interlock sources")
        func settingsAndSources() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: metadata)
                let irrigation = server.irrigation
                let name = "\(f.site)/irrigationSettings"
                let defaults = try await irrigation.getIrrigationSettings(.with { $0.name = name }, metadata: metadata)
                #expect(defaults.name == name && !defaults.manualApproval && defaults.requiredInputs.count == 6)
                #expect(defaults.staleAfter.seconds == 60 && defaults.ecMin == 0.5 && defaults.commandMaxAttempts == 3)

                let updated = try await irrigation.updateIrrigationSettings(
                    .with {
                        $0.irrigationSettings = .with {
                            $0.name = name
                            $0.manualApproval = true
                            $0.requiredInputs = [.estop, .door]
                            $0.ecMax = 2.8
                            $0.alarmDelays = [
                                .with {
                                    $0.reason = .tankLow
                                    $0.delay = .with { $0.seconds = 30 }
                                }
                            ]
                            $0.commandMaxAttempts = 9
                        }
                        $0.updateMask.paths = ["manual_approval", "required_inputs", "ec_max", "alarm_delays"]
                    },
                    metadata: metadata
                )
                #expect(updated.manualApproval && updated.requiredInputs == [.estop, .door] && updated.ecMax == 2.8)
                #expect(updated.commandMaxAttempts == 3, "not masked: kept")
                #expect(updated.alarmDelays.map(\.reason) == [.tankLow])
                // What the run engine reads is what was set.
                let scope = AccessScope(
                    organizationID: tenant.organizationID,
                    userID: tenant.adminID,
                    siteIDs: Set(tenant.siteIDs),
                    roles: ["admin"]
                )
                let stored = try await PostgresIrrigationRepository(client: database.owner).settings(
                    siteID: tenant.siteIDs[0],
                    in: scope
                )
                #expect(stored.manualApproval && stored.policy.requiredInputs == [.eStop, .door])
                #expect(stored.policy.ecBounds == 0.5...2.8 && stored.policy.alarmDelays == [.tankLow: 30])

                let bounds = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.updateIrrigationSettings(
                        .with {
                            $0.irrigationSettings.name = name
                            $0.irrigationSettings.ecMin = 3
                            $0.irrigationSettings.phMax = 15
                            $0.irrigationSettings.commandAckTimeout = .with { $0.seconds = 601 }
                            $0.irrigationSettings.alarmDelays = [.with { $0.reason = .estopOpen }]
                            $0.updateMask.paths = ["ec_min", "ph_max", "command_ack_timeout", "alarm_delays"]
                        },
                        metadata: metadata
                    )
                }
                let fields = Set(bounds?.fieldViolations.map(\.field) ?? [])
                #expect(
                    fields == [
                        "irrigation_settings.ph_max", "irrigation_settings.command_ack_timeout",
                        "irrigation_settings.alarm_delays",
                    ]
                )
                let crossed = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.updateIrrigationSettings(
                        .with {
                            $0.irrigationSettings.name = name
                            $0.irrigationSettings.ecMin = 3
                            $0.updateMask.paths = ["ec_min"]
                        },
                        metadata: metadata
                    )
                }
                #expect(crossed?.fieldViolations.map(\.field) == ["irrigation_settings.ec_min"])

                // Interlock sources of the group.
                let sourcesName = "\(f.group.name)/interlockSources"
                let set = try await irrigation.updateInterlockSources(
                    .with {
                        $0.interlockSources.name = sourcesName
                        $0.interlockSources.estop.deviceState = .with {
                            $0.device = f.valves[0].name
                            $0.property = "estop"
                        }
                        $0.interlockSources.door.deviceState = .with {
                            $0.device = f.valves[0].name
                            $0.property = "door"
                        }
                        $0.updateMask.paths = ["estop", "door", "ec"]
                    },
                    metadata: metadata
                )
                #expect(set.estop.deviceState.device == f.valves[0].name && set.door.deviceState.property == "door")
                #expect(!set.hasEc)
                let badSource = await expectStatus(.invalidArgument) {
                    _ = try await irrigation.updateInterlockSources(
                        .with {
                            $0.interlockSources.name = sourcesName
                            $0.interlockSources.ph.deviceState = .with {
                                $0.device = f.valves[0].name
                                $0.property = "-ph"
                            }
                            $0.interlockSources.ec.stream = "\(tenant.site(1))/streams/\(UUID())"
                            $0.updateMask.paths = ["ph", "ec"]
                        },
                        metadata: metadata
                    )
                }
                #expect(
                    Set(badSource?.fieldViolations.map(\.field) ?? []) == [
                        "interlock_sources.ph.device_state.property", "interlock_sources.ec.stream",
                    ]
                )
                let read = try await irrigation.getInterlockSources(.with { $0.name = sourcesName }, metadata: metadata)
                #expect(read == set)

                let (badge, _) = try await makeUser(server, tenant, roles: ["supervisor"], sites: [0])
                let supervisor = try await server.login(badge).metadata
                _ = try await irrigation.getIrrigationSettings(.with { $0.name = name }, metadata: supervisor)
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await irrigation.updateIrrigationSettings(
                        .with {
                            $0.irrigationSettings.name = name
                            $0.updateMask.paths = ["manual_approval"]
                        },
                        metadata: supervisor
                    )
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await irrigation.getIrrigationSettings(
                        .with { $0.name = "sites/\(UUID())/irrigationSettings" },
                        metadata: supervisor
                    )
                }
            }
        }
    }
}
