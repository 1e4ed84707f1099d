import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Spatial model and equipment over gRPC")
    struct SpatialServiceTests {
        @Test("room (seed shape) -> zone -> rack -> bin -> location, all in the site tree")
        func hierarchy() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let site = tenant.site(0)
                // The seed contract's body {code, name, roomType}: `name` becomes the display name.
                let room = try await server.spatial.createRoom(
                    .with {
                        $0.parent = site
                        $0.room.code = "VEG-1"
                        $0.room.name = "Veg Room 1"
                        $0.room.roomType = "Veg"
                    },
                    metadata: metadata
                )
                #expect(room.displayName == "Veg Room 1")
                #expect(room.roomType == "veg")
                #expect(room.name == "\(site)/rooms/\(room.id)")
                let zone = try await server.spatial.createZone(
                    .with {
                        $0.parent = site
                        $0.zone = .with {
                            $0.code = "VEG-1-Z1"
                            $0.displayName = "Zone 1"
                            $0.room = room.name
                        }
                    },
                    metadata: metadata
                )
                let rack = try await server.spatial.createRack(
                    .with {
                        $0.parent = site
                        $0.rack = .with {
                            $0.code = "R1"
                            $0.displayName = "Rack 1"
                            $0.zone = zone.name
                        }
                    },
                    metadata: metadata
                )
                let bin = try await server.spatial.createBin(
                    .with {
                        $0.parent = site
                        $0.bin = .with {
                            $0.code = "B1"
                            $0.displayName = "Bin 1"
                            $0.rack = rack.name
                        }
                    },
                    metadata: metadata
                )
                let location = try await server.spatial.createInventoryLocation(
                    .with {
                        $0.parent = site
                        $0.inventoryLocation = .with {
                            $0.code = "VAULT"
                            $0.displayName = "Vault"
                            $0.locationType = "vault"
                            $0.anchor = bin.name
                        }
                    },
                    metadata: metadata
                )
                #expect(location.anchor == bin.name)
                let renamed = try await server.spatial.updateZone(
                    .with {
                        $0.zone.name = zone.name
                        $0.zone.displayName = "Zone One"
                        $0.updateMask.paths = ["display_name"]
                    },
                    metadata: metadata
                )
                #expect(renamed.displayName == "Zone One")

                let tree = try await server.spatial.getSiteTree(.with { $0.site = site }, metadata: metadata)
                #expect(tree.rooms.map(\.room.name) == [room.name])
                #expect(tree.rooms[0].zones.map(\.zone.displayName) == ["Zone One"])
                #expect(tree.rooms[0].zones[0].racks.map(\.rack.name) == [rack.name])
                #expect(tree.rooms[0].zones[0].racks[0].bins.map(\.name) == [bin.name])
                #expect(tree.locations.map(\.name) == [location.name])

                // A room with zones cannot go; the empty bin can.
                await expectStatus(.failedPrecondition) {
                    _ = try await server.spatial.deleteRoom(.with { $0.name = room.name }, metadata: metadata)
                }
                _ = try await server.spatial.deleteInventoryLocation(
                    .with { $0.name = location.name },
                    metadata: metadata
                )
                _ = try await server.spatial.deleteBin(.with { $0.name = bin.name }, metadata: metadata)
                await expectStatus(.notFound) {
                    _ = try await server.spatial.getBin(.with { $0.name = bin.name }, metadata: metadata)
                }
            }
        }

        @Test("equipment (seed shape) -> calibrations retrievable by equipment id; heartbeat visible")
        func equipmentCalibrationsHeartbeat() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let zone = try await makeZone(server, site: tenant.site(0), metadata: metadata)
                // POST /equipment {code, type, zoneId, calibrationDueDate}
                let sensor = try await server.spatial.createEquipment(
                    .with {
                        $0.equipment.code = "TEMP-001"
                        $0.equipment.type = "Temperature Sensor"
                        $0.equipment.zoneID = zone.id
                        $0.equipment.calibrationDueDate = "2025-12-31"
                    },
                    metadata: metadata
                )
                #expect(sensor.kind == .sensor)
                #expect(sensor.zone == zone.name)
                #expect(sensor.calibrationDueDate == "2025-12-31")
                #expect(sensor.name.hasPrefix(tenant.site(0)))

                let performed = Date(timeIntervalSince1970: 1_767_000_000)
                let calibration = try await server.spatial.addCalibration(
                    .with {
                        $0.parent = sensor.name
                        $0.calibration.date = Google_Protobuf_Timestamp(date: performed)
                        $0.calibration.result = .pass
                        $0.calibration.nextDue = Google_Protobuf_Timestamp(
                            date: performed.addingTimeInterval(86_400 * 180)
                        )
                    },
                    metadata: metadata
                )
                // GET /equipment/{id}/calibrations
                let listed = try await server.spatial.listCalibrations(
                    .with { $0.equipmentID = sensor.id },
                    metadata: metadata
                )
                #expect(listed.calibrations.map(\.id) == [calibration.id])
                #expect(listed.calibrations[0].result == .pass)
                #expect(listed.calibrations[0].date.seconds == Int64(performed.timeIntervalSince1970))
                let byParent = try await server.spatial.listCalibrations(
                    .with { $0.parent = sensor.name },
                    metadata: metadata
                )
                #expect(byParent.calibrations == listed.calibrations)
                let moved = try await server.spatial.getEquipment(.with { $0.name = sensor.name }, metadata: metadata)
                #expect(moved.calibrationDueDate == CalendarDateText.format(performed.addingTimeInterval(86_400 * 180)))

                await expectStatus(.notFound) {
                    _ = try await server.spatial.getDeviceHealth(
                        .with { $0.name = sensor.name + "/health" },
                        metadata: metadata
                    )
                }
                _ = try await server.spatial.recordHeartbeat(
                    .with {
                        $0.equipment = sensor.name
                        $0.status = .degraded
                        $0.firmwareVersion = "1.4.2"
                        $0.signalDbm = -70
                    },
                    metadata: metadata
                )
                let health = try await server.spatial.getDeviceHealth(
                    .with { $0.name = sensor.name + "/health" },
                    metadata: metadata
                )
                #expect(health.status == .degraded)
                #expect(health.firmwareVersion == "1.4.2")
                #expect(health.signalDbm == -70)
                #expect(abs(health.lastHeartbeatTime.date.timeIntervalSinceNow) < 60)
            }
        }

        @Test("valves map to zones; other equipment does not")
        func valveMapping() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let site = tenant.site(0)
                let zone = try await makeZone(server, site: site, metadata: metadata)
                let valve = try await server.spatial.createEquipment(
                    .with {
                        $0.parent = site
                        $0.equipment = .with {
                            $0.code = "V-1"
                            $0.displayName = "Valve 1"
                            $0.kind = .valve
                            $0.loadClass = .highLoad
                        }
                    },
                    metadata: metadata
                )
                #expect(valve.loadClass == .highLoad)
                let pump = try await server.spatial.createEquipment(
                    .with {
                        $0.parent = site
                        $0.equipment = .with {
                            $0.code = "P-1"
                            $0.type = "Feed pump"
                        }
                    },
                    metadata: metadata
                )
                #expect(pump.kind == .pump)
                let mapping = try await server.spatial.mapValveToZone(
                    .with {
                        $0.valve = valve.name
                        $0.zone = zone.name
                    },
                    metadata: metadata
                )
                #expect(mapping.valve == valve.name && mapping.zone == zone.name)
                let listed = try await server.spatial.listValveZoneMappings(
                    .with {
                        $0.parent = site
                        $0.zone = zone.name
                    },
                    metadata: metadata
                )
                #expect(listed.mappings.map(\.valve) == [valve.name])
                let tree = try await server.spatial.getSiteTree(.with { $0.site = site }, metadata: metadata)
                #expect(tree.rooms.flatMap(\.zones).flatMap(\.valves) == [valve.name])
                let refused = await expectStatus(.invalidArgument) {
                    _ = try await server.spatial.mapValveToZone(
                        .with {
                            $0.valve = pump.name
                            $0.zone = zone.name
                        },
                        metadata: metadata
                    )
                }
                #expect(refused != nil)
            }
        }
    }
}

func makeZone(_ server: TestServer, site: String, metadata: Metadata) async throws -> Harvestry_Spatial_V1_Zone {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16).uppercased()
    let room = try await server.spatial.createRoom(
        .with {
            $0.parent = site
            $0.room = .with {
                $0.code = "ROOM-\(tag)"
                $0.displayName = "Room \(tag)"
                $0.roomType = "flower"
            }
        },
        metadata: metadata
    )
    return try await server.spatial.createZone(
        .with {
            $0.parent = site
            $0.zone = .with {
                $0.code = "Z-\(tag)"
                $0.displayName = "Zone \(tag)"
                $0.room = room.name
            }
        },
        metadata: metadata
    )
}

/// `YYYY-MM-DD` of a date in UTC, to compare with the API's dates.
enum CalendarDateText {
    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
