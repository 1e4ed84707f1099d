import API
import Foundation
import GRPCCore
import SwiftProtobuf

/// A site ready for irrigation through the API: two zones of one room, each with a mapped valve (the first HL, the
/// second STD), a third zone with no valve, a group over the first two and a two-step program.
struct IrrigationSite: Sendable {
    let site: String
    let zones: [Harvestry_Spatial_V1_Zone]
    let valves: [Harvestry_Spatial_V1_Equipment]
    let group: Harvestry_Irrigation_V1_IrrigationGroup
    let program: Harvestry_Irrigation_V1_Program

    static func make(_ server: TestServer, site: String, metadata: Metadata) async throws -> IrrigationSite {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16).uppercased()
        let room = try await server.spatial.createRoom(
            .with {
                $0.parent = site
                $0.room = .with {
                    $0.code = "IRR-\(tag)"
                    $0.displayName = "Irrigated \(tag)"
                    $0.roomType = "flower"
                }
            },
            metadata: metadata
        )
        var zones: [Harvestry_Spatial_V1_Zone] = []
        var valves: [Harvestry_Spatial_V1_Equipment] = []
        for index in 0..<3 {
            let zone = try await server.spatial.createZone(
                .with {
                    $0.parent = site
                    $0.zone = .with {
                        $0.code = "Z\(index)-\(tag)"
                        $0.displayName = "Zone \(index)"
                        $0.room = room.name
                    }
                },
                metadata: metadata
            )
            zones.append(zone)
            guard index < 2 else { continue }
            let valve = try await server.spatial.createEquipment(
                .with {
                    $0.parent = site
                    $0.equipment = .with {
                        $0.code = "V\(index)-\(tag)"
                        $0.displayName = "Valve \(index)"
                        $0.kind = .valve
                        $0.loadClass = index == 0 ? .highLoad : .standard
                    }
                },
                metadata: metadata
            )
            _ = try await server.spatial.mapValveToZone(
                .with {
                    $0.valve = valve.name
                    $0.zone = zone.name
                },
                metadata: metadata
            )
            valves.append(valve)
        }
        let group = try await server.irrigation.createIrrigationGroup(
            .with {
                $0.parent = site
                $0.irrigationGroup = .with {
                    $0.displayName = "Drip \(tag)"
                    $0.zones = [zones[0].name, zones[1].name]
                }
            },
            metadata: metadata
        )
        let program = try await server.irrigation.createProgram(
            .with {
                $0.parent = site
                $0.program = .with {
                    $0.displayName = "Morning"
                    $0.group = group.name
                    $0.steps = [
                        .with {
                            $0.zone = zones[0].name
                            $0.duration = 120
                        },
                        .with {
                            $0.zoneID = zones[1].id
                            $0.volume = 40
                        },
                    ]
                }
            },
            metadata: metadata
        )
        return IrrigationSite(site: site, zones: zones, valves: valves, group: group, program: program)
    }
}
