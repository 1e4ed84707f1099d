import Edge
import Foundation
import Logging
import TestSupport
import Testing

/// The poller against pymodbus, an independent Modbus server in a python3 child process, configured through a
/// config file and a register map file on disk: the decoding of both word orders, signs, scales and every type's
/// "not available" value, and an exception reply for a register the server does not have.
@Suite("Poller against pymodbus")
struct PollerPymodbusTests {
    static let map = """
        name,address,register,type,scale,unit,word_order
        grid_power,1,input,S32,0.1,W,high_first
        grid_energy,3,input,U32,0.01,kWh,low_first
        voltage,5,input,U16,0.1,V,
        temperature,6,input,S16,0.5,degC,
        missing_u16,7,input,U16,1,,
        missing_s16,8,input,S16,1,,
        missing_u32,9,input,U32,1,,high_first
        missing_s32,11,input,S32,1,,low_first
        setpoint,101,holding,U16,1,%,
        beyond,200,input,U16,1,,

        """

    @Test func decodingMatchesTheMapAndAnExceptionIsCounted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edge-pymodbus-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pymodbus_meter.py")
        let server = try ChildProcess(command: ["python3", script.path])
        let output = await server.waitForOutput(containing: ["listening "], timeout: .seconds(60))
        let port = try #require(
            output.split(separator: "\n").first { $0.hasPrefix("listening ") }.flatMap { Int($0.dropFirst(10)) },
            "pymodbus did not start: \(output)"
        )
        try Self.map.write(to: directory.appendingPathComponent("meter.csv"), atomically: true, encoding: .utf8)
        let config = """
            [uplink]
            target = 127.0.0.1:1
            token = t
            [spool]
            directory = spool
            [device meter]
            device_id = 0b8f3a52-7c1d-4e2f-9a3b-5c6d7e8f9a0b
            host = 127.0.0.1
            port = \(port)
            register_map = meter.csv
            registers = grid_power, grid_energy, voltage, temperature, missing_u16, missing_s16, missing_u32, missing_s32, setpoint
            stream.grid_power = power
            poll_interval = 200ms
            [device broken]
            device_id = 1c9e4b63-8d2e-4f30-ab4c-6d7e8f9a0b1c
            host = 127.0.0.1
            port = \(port)
            register_map = meter.csv
            registers = beyond
            poll_interval = 200ms
            """
        let path = directory.appendingPathComponent("edge.conf").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try EdgeConfiguration.load(path: path)
        let spool = MemorySpool()
        let poller = Poller(configuration: configuration, spool: spool, logger: Logger(label: "t"))
        let health = try await runPoller(poller) { health in
            (health["meter"]?.successfulPolls ?? 0) >= 2 && (health["broken"]?.exceptions ?? 0) >= 2
        }
        await server.stop()
        let meter = try #require(health["meter"])
        #expect(meter.errors == 0 && meter.notAvailable >= 4 * meter.successfulPolls)
        let broken = try #require(health["broken"])
        #expect(broken.successfulPolls == 0 && broken.consecutiveFailures == 0 && broken.lastError != nil)
        // The last complete poll (cancelling the poller may cut one short).
        let polls = Dictionary(grouping: spool.readings, by: \.timestamp).filter { $0.value.count == 5 }
        let last = try #require(polls.max { $0.key < $1.key }).value
        var values: [String: Double] = [:]
        for reading in last {
            values[reading.stream] = reading.value
            #expect(reading.deviceId == "0b8f3a52-7c1d-4e2f-9a3b-5c6d7e8f9a0b")
        }
        #expect(Set(values.keys) == ["power", "grid_energy", "voltage", "temperature", "setpoint"])
        #expect(abs(values["power", default: .nan] - -12_345.6) < 1e-6)
        #expect(abs(values["grid_energy", default: .nan] - 98_765.43) < 1e-6)
        #expect(abs(values["voltage", default: .nan] - 231.4) < 1e-9)
        #expect(values["temperature"] == -7.5 && values["setpoint"] == 42)
    }
}
