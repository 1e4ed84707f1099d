import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// The seeded inverter's streams take its readings through the ingest path's validation and store: a plausible
    /// reading of every stream is stored, an out-of-range one is refused naming its field.
    @Test func pilotSeedInverterReadingsAreValidatedAndStored() async throws {
        try await withMigratedDatabase { db in
            _ = try await PilotSeed.load(db.owner)
            let telemetry = PostgresTelemetryRepository(client: db.service)
            let streams = try await telemetry.deviceStreams(deviceID: PilotSeed.inverter.id, siteID: PilotSeed.siteID)
            #expect(streams.map(\.key).sorted() == PilotSeed.inverterStreams.map(\.key).sorted())
            #expect(streams.first { $0.key == "total_active_power" }?.type == .power)
            #expect(streams.first { $0.key == "battery_level" }?.type == .stateOfCharge)

            // One poll as the Sungrow map's units send it (kWh, W, V, A, %, °C).
            let now = Date()
            let sample: [String: (Double, String)] = [
                "inside_temperature": (41.2, "°C"), "mppt1_voltage": (612.4, "V"), "mppt1_current": (8.1, "A"),
                "mppt2_voltage": (598, "V"), "mppt2_current": (7.9, "A"), "mppt3_voltage": (0, "V"),
                "mppt3_current": (0, "A"), "total_dc_power": (9_650, "W"), "daily_pv_generation": (23.4, "kWh"),
                "total_pv_generation": (18_342.7, "kWh"), "load_power": (2_300, "W"), "export_power": (-1_200, "W"),
                "battery_voltage": (204.8, "V"), "battery_current": (12.5, "A"), "battery_power": (2_560, "W"),
                "battery_level": (87.5, "%"), "battery_state_of_health": (99, "%"), "battery_temperature": (24.5, "°C"),
                "total_active_power": (9.4, "kW"),
            ]
            #expect(Set(sample.keys) == Set(PilotSeed.inverterStreams.map(\.key)))
            let raw = sample.sorted { $0.key < $1.key }.map {
                RawReading(streamKey: $0.key, value: $0.value.0, unit: $0.value.1, time: now)
            }
            let outcome = ReadingValidator().validate(raw, streams: streams, now: now)
            #expect(outcome.issues.isEmpty, "\(outcome.issues)")
            #expect(outcome.readings.count == sample.count)
            let stored = try await telemetry.ingest(outcome.readings, siteID: PilotSeed.siteID)
            #expect(stored.count == sample.count)
            let ac = try #require(streams.first { $0.key == "total_active_power" })
            #expect(stored.first { $0.streamID == ac.id }?.value == 9_400, "kW stored as W")
            let count = try await db.owner.query(
                "SELECT count(*) AS n FROM sensor_readings WHERE site_id = $1",
                [SQLValue(PilotSeed.siteID)]
            )
            #expect(try count[0].decode("n", as: Int.self) == sample.count)

            // 1,200 kW (a unit slip) is past the power range; a state of charge above 100 % is broken.
            let bad = ReadingValidator().validate(
                [
                    RawReading(streamKey: "total_active_power", value: 1_200, unit: "kW", time: now),
                    RawReading(streamKey: "battery_level", value: 100, unit: "%", time: now),
                    RawReading(streamKey: "battery_level", value: 6_553.5, unit: "%", time: now),
                    RawReading(streamKey: "work_state", value: 0, time: now),
                ],
                streams: streams,
                now: now
            )
            #expect(bad.readings.count == 1)
            #expect(
                bad.issues.map { "\($0.field) \($0.reason)" } == [
                    "batch.readings[0].value VALUE_OUT_OF_RANGE", "batch.readings[2].value VALUE_OUT_OF_RANGE",
                    "batch.readings[3].stream UNKNOWN_STREAM",
                ]
            )
        }
    }

    /// Migration 0018's CHECK allows exactly the domain's stream types: every one is accepted, anything else refused.
    @Test func sensorStreamTypeCheckMatchesTheDomain() async throws {
        try await withMigratedDatabase { db in
            _ = try await PilotSeed.load(db.owner)
            func insert(_ type: String) async throws {
                _ = try await db.owner.query(
                    """
                    INSERT INTO sensor_streams (site_id, equipment_id, key, stream_type, unit)
                    VALUES ($1, $2, $3, $4, 'x')
                    """,
                    [
                        SQLValue(PilotSeed.siteID), SQLValue(PilotSeed.inverter.id), SQLValue("t-\(type)"),
                        SQLValue(type),
                    ]
                )
            }
            for type in StreamType.allCases { try await insert(type.rawValue) }
            await #expect(throws: PostgresError.self) { try await insert("reactive_power") }
        }
    }
}
