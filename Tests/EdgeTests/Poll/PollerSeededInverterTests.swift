import Domain
import Edge
import Fieldbus
import Foundation
import Logging
import Simulator
import Store
import Testing

/// The pilot seed's inverter (`PilotSeed.inverter`) against the Sungrow map: its streams are the map's measurement
/// registers under their own names, and what the poller reads from the simulated inverter passes the platform's
/// ingest validation against those streams.
@Suite("Poller readings against the seeded inverter's streams")
struct PollerSeededInverterTests {
    /// The map's registers that are not measurements: codes, a state and the nameplate rating.
    static let notMeasurements: Set = ["device_type_code", "work_state", "nominal_output_power"]

    /// The seeded streams as the ingest path resolves them.
    static let streams = PilotSeed.inverterStreams.map {
        SensorStream(
            id: $0.id(of: PilotSeed.inverter),
            siteID: PilotSeed.siteID,
            deviceID: PilotSeed.inverter.id,
            key: $0.key,
            type: $0.type
        )
    }

    @Test func theSeededStreamsAreTheMapsMeasurementRegisters() throws {
        let inputs = RegisterMap.sungrow.registers.filter { $0.table == .input }
        #expect(
            PilotSeed.inverterStreams.map(\.key).sorted()
                == inputs.map(\.name).filter { !Self.notMeasurements.contains($0) }.sorted()
        )
        for stream in PilotSeed.inverterStreams {
            let register = try #require(RegisterMap.sungrow[stream.key])
            let unit = try #require(MeasurementUnit(spelling: register.unit), "\(register.name): '\(register.unit)'")
            #expect(unit.convert(1, to: stream.type.canonicalUnit) != nil, "\(register.unit) for a \(stream.type)")
        }
    }

    @Test func polledReadingsPassIngestValidation() async throws {
        try await withSimulatedInverter { inverter in
            let spool = MemorySpool()
            var device = inverterDevice(port: inverter.port)
            device.deviceId = PilotSeed.inverter.id
            device.points = PilotSeed.inverterStreams.map {
                ModbusDeviceConfiguration.Point(register: RegisterMap.sungrow[$0.key]!, stream: $0.key)
            }
            let poller = Poller(devices: [device], spool: spool, logger: Logger(label: "t"))
            _ = try await runPoller(poller) { $0.devices[0].successfulPolls >= 2 }
            let readings = spool.readings
            #expect(readings.count >= PilotSeed.inverterStreams.count)
            #expect(readings.allSatisfy { $0.deviceId == PilotSeed.inverter.id.uuidString.lowercased() })
            let raw = readings.map {
                RawReading(streamKey: $0.stream, value: $0.value, unit: $0.unit, time: $0.timestamp)
            }
            let outcome = ReadingValidator().validate(raw, streams: Self.streams, now: Date())
            #expect(outcome.issues.isEmpty, "\(outcome.issues.prefix(5))")
            #expect(outcome.readings.count + outcome.duplicates == readings.count)
        }
    }
}
