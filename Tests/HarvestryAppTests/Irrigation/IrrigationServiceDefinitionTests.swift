import API
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("IrrigationService definitions over gRPC")
    struct IrrigationServiceDefinitionTests {
        @Test("groups take their valves from the mappings; programs and schedules are created, changed and deleted")
        func definitions() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: metadata)
                #expect(f.group.zones == [f.zones[0].name, f.zones[1].name])
                #expect(f.group.valves.map(\.valve) == f.valves.map(\.name))
                #expect(f.group.valves.map(\.loadClass) == [.highLoad, .standard])
                #expect(f.group.name == "\(f.site)/irrigationGroups/\(f.group.id)")
                #expect(f.program.steps.map(\.zoneID) == [f.zones[0].id, f.zones[1].id])
                #expect(f.program.steps[0].duration == 120 && f.program.steps[1].volume == 40)
                // Default max runtime: 120 s timed + 10 min per step.
                #expect(f.program.maxRuntime.seconds == 1_320)

                // A zone without a valve names the zone; a step outside the group names the step.
                let noValve = await expectStatus(.invalidArgument, reason: "ZONE_HAS_NO_VALVE") {
                    _ = try await server.irrigation.createIrrigationGroup(
                        .with {
                            $0.parent = f.site
                            $0.irrigationGroup = .with {
                                $0.displayName = "Bare"
                                $0.zones = [f.zones[0].name, f.zones[2].name]
                            }
                        },
                        metadata: metadata
                    )
                }
                #expect(noValve?.fieldViolations.map(\.field) == ["irrigation_group.zones[1]"])
                let outside = await expectStatus(.invalidArgument) {
                    _ = try await server.irrigation.createProgram(
                        .with {
                            $0.parent = f.site
                            $0.program = .with {
                                $0.displayName = "Stray"
                                $0.group = f.group.name
                                $0.steps = [
                                    .with {
                                        $0.zone = f.zones[2].name; $0.duration = 10
                                    }
                                ]
                            }
                        },
                        metadata: metadata
                    )
                }
                #expect(outside?.fieldViolations.map(\.field) == ["program.steps[0].zone_id"])

                // Update: steps only; the stored max runtime must still fit them.
                let changed = try await server.irrigation.updateProgram(
                    .with {
                        $0.program.name = f.program.name
                        $0.program.steps = [
                            .with {
                                $0.zone = f.zones[1].name; $0.duration = 60
                            }
                        ]
                        $0.updateMask.paths = ["steps"]
                    },
                    metadata: metadata
                )
                #expect(changed.steps.map(\.zoneID) == [f.zones[1].id] && changed.displayName == "Morning")
                let tooLong = await expectStatus(.invalidArgument) {
                    _ = try await server.irrigation.updateProgram(
                        .with {
                            $0.program.name = f.program.name
                            $0.program.steps = [
                                .with {
                                    $0.zone = f.zones[1].name; $0.duration = 7_200
                                }
                            ]
                            $0.updateMask.paths = ["steps"]
                        },
                        metadata: metadata
                    )
                }
                #expect(tooLong?.fieldViolations.map(\.field) == ["program.max_runtime"])
                let programs = try await server.irrigation.listPrograms(
                    .with { $0.parent = f.site },
                    metadata: metadata
                )
                #expect(programs.programs.map(\.name) == [f.program.name])

                // Schedules.
                let schedule = try await server.irrigation.createSchedule(
                    .with {
                        $0.parent = f.site
                        $0.schedule = .with {
                            $0.program = f.program.name
                            $0.timeOfDay = "06:30"
                            $0.days = [.monday, .thursday]
                            $0.timeZone = "America/Denver"
                        }
                    },
                    metadata: metadata
                )
                #expect(schedule.enabled && schedule.hasNextFireTime && schedule.timeOfDay == "06:30")
                let disabled = try await server.irrigation.updateSchedule(
                    .with {
                        $0.schedule.name = schedule.name
                        $0.schedule.enabled = false
                        $0.updateMask.paths = ["enabled"]
                    },
                    metadata: metadata
                )
                #expect(!disabled.enabled && disabled.timeOfDay == "06:30" && disabled.timeZone == "America/Denver")
                let listed = try await server.irrigation.listSchedules(.with { $0.parent = f.site }, metadata: metadata)
                #expect(listed.schedules.map(\.name) == [schedule.name])

                // Deletes: refused while something refers, then in order.
                await expectStatus(.failedPrecondition, reason: "PROGRAM_HAS_SCHEDULES") {
                    _ = try await server.irrigation.deleteProgram(
                        .with { $0.name = f.program.name },
                        metadata: metadata
                    )
                }
                await expectStatus(.failedPrecondition, reason: "GROUP_HAS_PROGRAMS") {
                    _ = try await server.irrigation.deleteIrrigationGroup(
                        .with { $0.name = f.group.name },
                        metadata: metadata
                    )
                }
                _ = try await server.irrigation.deleteSchedule(.with { $0.name = schedule.name }, metadata: metadata)
                _ = try await server.irrigation.deleteProgram(.with { $0.name = f.program.name }, metadata: metadata)
                let renamed = try await server.irrigation.updateIrrigationGroup(
                    .with {
                        $0.irrigationGroup.name = f.group.name
                        $0.irrigationGroup.displayName = "Renamed"
                        $0.irrigationGroup.zones = [f.zones[1].name]
                        $0.updateMask.paths = ["display_name", "zones"]
                    },
                    metadata: metadata
                )
                #expect(renamed.displayName == "Renamed" && renamed.valves.map(\.valve) == [f.valves[1].name])
                _ = try await server.irrigation.deleteIrrigationGroup(
                    .with { $0.name = f.group.name },
                    metadata: metadata
                )
                await expectStatus(.notFound) {
                    _ = try await server.irrigation.getIrrigationGroup(
                        .with { $0.name = f.group.name },
                        metadata: metadata
                    )
                }
            }
        }

        @Test("defining needs admin or manager, starting an operator, approving a second person; sites are scoped")
        func authorization() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: admin)
                let operatorBadge = try await makeUser(server, tenant, roles: ["operator"], sites: [0]).badge
                let viewerBadge = try await makeUser(server, tenant, roles: ["viewer"], sites: [0]).badge
                let supervisorBadge = try await makeUser(server, tenant, roles: ["supervisor"], sites: [0]).badge
                let operatorSession = try await server.login(operatorBadge).metadata
                let viewer = try await server.login(viewerBadge).metadata
                let supervisor = try await server.login(supervisorBadge).metadata

                let denied = await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.irrigation.createIrrigationGroup(
                        .with {
                            $0.parent = f.site
                            $0.irrigationGroup = .with {
                                $0.displayName = "Mine"
                                $0.zones = [f.zones[0].name]
                            }
                        },
                        metadata: operatorSession
                    )
                }
                #expect(denied?.errorInfo?.metadata["roles"] == "admin,manager")
                // Anyone of the site reads; a viewer may not start a run.
                _ = try await server.irrigation.getProgram(.with { $0.name = f.program.name }, metadata: viewer)
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.irrigation.startRun(
                        .with {
                            $0.parent = f.site
                            $0.program = f.program.name
                        },
                        metadata: viewer
                    )
                }
                // The operator requests with manual approval; they cannot approve, the supervisor can.
                let started = try await server.irrigation.startRun(
                    .with {
                        $0.programID = f.program.id
                        $0.manualApproval = true
                    },
                    metadata: operatorSession
                )
                #expect(started.status == "AwaitingApproval" && started.run.manualApproval)
                let approver = await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.irrigation.approveRun(
                        .with { $0.name = started.run.name },
                        metadata: operatorSession
                    )
                }
                #expect(approver?.errorInfo?.metadata["roles"] == "admin,manager,supervisor")
                let approved = try await server.irrigation.approveRun(
                    .with { $0.name = started.run.name },
                    metadata: supervisor
                )
                #expect(approved.status == .queued && approved.approvedBy.hasPrefix("users/"))

                // The requester cannot approve their own run (the engine's rule, passed through).
                let own = try await server.irrigation.startRun(
                    .with {
                        $0.parent = f.site
                        $0.program = f.program.name
                        $0.manualApproval = true
                    },
                    metadata: admin
                )
                await expectStatus(.permissionDenied, reason: "APPROVER_IS_REQUESTER") {
                    _ = try await server.irrigation.approveRun(.with { $0.name = own.run.name }, metadata: admin)
                }

                // Another tenant: its site is out of scope, a bare id of ours is not found.
                let other = try await TestTenant.make(in: database, sites: 1)
                let stranger = try await server.login(other.adminBadge).metadata
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.irrigation.listRuns(.with { $0.parent = f.site }, metadata: stranger)
                }
                await expectStatus(.notFound) {
                    _ = try await server.irrigation.startRun(.with { $0.programID = f.program.id }, metadata: stranger)
                }
                await expectStatus(.notFound) {
                    _ = try await server.irrigation.abortRun(
                        .with {
                            $0.runID = own.runID
                            $0.reason = "not yours"
                        },
                        metadata: stranger
                    )
                }
                let starts = server.runControl.calls.filter { if case .start = $0 { true } else { false } }
                #expect(starts.count == 2, "refused calls never reach the engine: \(server.runControl.calls)")
            }
        }
    }
}
