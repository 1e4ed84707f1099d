import API
import Domain
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// The pilot seed's inverter through TelemetryService: its streams come back with the electrical types and
    /// units, its readings in the Sungrow map's units are accepted, an out-of-range one is refused naming the field.
    @Suite("Telemetry of the seeded inverter")
    struct TelemetryInverterIngestTests {
        @Test("IngestReadings takes the seeded inverter's readings; ListStreams and CreateStream speak the new types")
        func seededInverter() async throws {
            let database = try AppDatabase.current()
            _ = try await PilotSeed.load(database.owner)
            try await TestServer.with(database) { server in
                let admin = try #require(PilotSeed.people.first { $0.role == .admin })
                let metadata = try await server.login(admin.badge).metadata
                let site = "sites/\(PilotSeed.siteID.uuidString.lowercased())"
                let inverter = PilotSeed.inverter.id.uuidString.lowercased()
                let streams = try await server.telemetry.listStreams(
                    .with {
                        $0.parent = site
                        $0.device = "\(site)/equipment/\(inverter)"
                        $0.pageSize = 100
                    },
                    metadata: metadata
                )
                #expect(streams.streams.count == PilotSeed.inverterStreams.count)
                func typeAndUnit(_ key: String) -> String {
                    streams.streams.first { $0.key == key }.map { "\($0.type) \($0.unit)" } ?? "missing"
                }
                #expect(typeAndUnit("total_active_power") == "power W")
                #expect(typeAndUnit("total_pv_generation") == "energy kWh")
                #expect(typeAndUnit("mppt1_voltage") == "voltage V")
                #expect(typeAndUnit("battery_current") == "current A")
                #expect(typeAndUnit("battery_level") == "stateOfCharge %")
                #expect(typeAndUnit("battery_state_of_health") == "stateOfHealth %")

                // Whole seconds now: within retention and not in the future.
                let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
                func inverterReading(_ key: String, _ value: Double, _ unit: String) -> Harvestry_Telemetry_V1_Reading {
                    .with {
                        $0.stream = key
                        $0.value = value
                        $0.unit = unit
                        $0.timestamp = Google_Protobuf_Timestamp(date: now)
                    }
                }
                let accepted = try await server.telemetry.ingestReadings(
                    .with {
                        $0.batch.deviceID = inverter
                        $0.batch.readings = [
                            inverterReading("total_active_power", 9.4, "kW"),
                            inverterReading("export_power", -1_200, "W"),
                            inverterReading("daily_pv_generation", 23.4, "kWh"),
                            inverterReading("mppt1_voltage", 612.4, "V"),
                            inverterReading("battery_current", 12.5, "A"),
                            inverterReading("battery_level", 87.5, "%"),
                        ]
                    },
                    metadata: metadata
                )
                #expect(accepted.accepted == 6 && accepted.duplicates == 0)

                let status = await expectStatus(.invalidArgument, reason: "VALUE_OUT_OF_RANGE") {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = inverter
                            $0.batch.readings = [
                                inverterReading("load_power", 2_300, "W"),
                                inverterReading("mppt2_voltage", 6_553.5, "V"),
                            ]
                        },
                        metadata: metadata
                    )
                }
                #expect(status?.fieldViolations.map(\.field) == ["batch.readings[1].value"])

                let frequency = try await server.telemetry.createStream(
                    .with {
                        $0.parent = site
                        $0.stream = .with {
                            $0.device = "\(site)/equipment/\(inverter)"
                            $0.key = "grid_frequency_\(UInt16.random(in: 0...9999))"
                            $0.type = .frequency
                        }
                    },
                    metadata: metadata
                )
                #expect(frequency.type == .frequency && frequency.unit == "Hz")
            }
        }
    }
}
