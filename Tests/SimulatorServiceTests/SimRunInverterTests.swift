import API
import CoreTransport
import Fieldbus
import Foundation
import GRPCCore
import Simulator
import SwiftProtobuf
import Testing

/// `harvestry sim run --inverter-port` (the built binary): the simulated inverter served over Modbus TCP for the run,
/// read through the libmodbus client, stepped on the simulation's clock, with Modbus faults injected through
/// `harvestry sim fault` and SimulatorService and recorded in the ground truth.
@Suite struct SimRunInverterTests {
    typealias RunningSim = SimRunFaultTests.RunningSim
    static let enabled = FileManager.default.isExecutableFile(atPath: FaultCommandTests.executable.path)

    /// The inverter's port from its start line (at most 60 s).
    static func inverterPort(_ sim: RunningSim) async throws -> Int {
        let text = try await sim.printed(after: "any unit id) on 127.0.0.1:", until: "\n")
        return try #require(Int(text), "inverter port '\(text)'")
    }

    static func errorCode(_ body: () async throws -> Void) async -> ModbusError.Code? {
        do {
            try await body()
            return nil
        } catch let error as ModbusError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test(.enabled(if: Self.enabled))
    func modbusFaultsReachTheInverterOfARunningSimulation() async throws {
        let sim = try RunningSim(extra: ["--inverter-port", "0"])
        let port = try await Self.inverterPort(sim)
        // The pilot site's inverter is the seed's INV-1 (`PilotSeed.inverter`), named by its seeded id.
        let seeded = try #require(SiteSpec.pilot().devices.first { $0.kind == .inverter }).id
        #expect(
            sim.text().contains("inverter INV-1 (device \(seeded)) (Modbus TCP, any unit id) on 127.0.0.1:\(port)\n"),
            "\(sim.text())"
        )
        let address = try await sim.address()
        // Reads that must succeed wait seconds; only the one expected to time out uses a short timeout.
        let client = try await ModbusClient(port: port, responseTimeout: .seconds(5))
        let impatient = try await ModbusClient(port: port, responseTimeout: .milliseconds(300))
        let deviceTypeCode = 4999
        let batteryLevel = 13_022
        let workState = 5037
        #expect(try await client.readInputRegisters(address: deviceTypeCode, count: 1) == [0x0E03])

        let injected = try await FaultCommandTests.run([
            "sim", "fault", "inject", "--server", address, "--inverter", "modbus-exception", "--exception-code", "6",
            "--register", "battery_level", "--actor", "inverter-test",
        ])
        #expect(injected.status == 0, "\(injected.output)")
        let busy = String(injected.output.prefix { $0 != "\t" })
        #expect(
            await Self.errorCode { _ = try await client.readInputRegisters(address: batteryLevel, count: 1) }
                == .exception(.serverDeviceBusy)
        )
        #expect(try await client.readInputRegisters(address: deviceTypeCode, count: 1) == [0x0E03])
        let cleared = try await FaultCommandTests.run(["sim", "fault", "clear", "--server", address, busy])
        #expect(cleared.output.hasPrefix("\(busy)\tcleared"), "\(cleared.output)")
        #expect(try await client.readInputRegisters(address: batteryLevel, count: 1).count == 1)

        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { grpc in
            let service = Harvestry_Simulator_V1_SimulatorService.Client(wrapping: grpc)
            let junk = try await service.injectFault(
                SimRunFaultTests.request("inverter", seconds: nil) {
                    $0.modbus = .with {
                        $0.kind = .junkReply
                        $0.registers = ["work_state"]
                    }
                }
            )
            #expect(junk.state == .active)
            for _ in 0..<2 {
                #expect(
                    await Self.errorCode { _ = try await client.readInputRegisters(address: workState, count: 1) }
                        == .malformedReply
                )
            }
            #expect(try await service.clearFault(.with { $0.name = junk.name }).state == .cleared)
            #expect(try await client.readInputRegisters(address: workState, count: 1).count == 1)

            _ = try await service.injectFault(
                SimRunFaultTests.request("inverter", seconds: nil) {
                    $0.modbus = .with {
                        $0.kind = .timeout
                        $0.count = 1
                    }
                }
            )
            #expect(
                await Self.errorCode { _ = try await impatient.readInputRegisters(address: deviceTypeCode, count: 1) }
                    == .timeout
            )
            #expect(try await client.readInputRegisters(address: deviceTypeCode, count: 1) == [0x0E03])
        }
        await client.close()
        await impatient.close()
        try await sim.stop()

        // The run's end stopped the inverter's server.
        #expect(await Self.errorCode { _ = try await ModbusClient(port: port) } == .connection)
        let faults = try sim.truthRecords().filter { $0.kind == .fault && $0.device == "inverter" }
        let lines = faults.map { "\($0.fault ?? "") \($0.detail?.prefix(7) ?? "")" }
        #expect(
            lines.prefix(5) == [
                "modbus-exception-6 applied", "modbus-exception-6 cleared", "modbus-junk-reply applied",
                "modbus-junk-reply cleared", "modbus-timeout applied",
            ],
            "\(lines)"
        )
    }

    /// A scenario whose only device is an inverter, at 1,000 times real time, behind a WiNet-S: the start line names
    /// the device, the dongle refuses oversized reads, and the battery or the PV counter move as simulated time
    /// passes (about 2,000 simulated seconds in 2 real ones: at least 20 % of the 1.5 kW load's energy is a change a
    /// wall-clock inverter could not show); a second run on the taken port fails naming the flag.
    @Test(.enabled(if: Self.enabled))
    func theInverterFollowsTheSimulationClockAndNamesItsDevice() async throws {
        let scenario = FileManager.default.temporaryDirectory
            .appendingPathComponent("sim-inverter-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json")
        try Data(#"{"site": "site-inv", "devices": [{"id": "inv-1", "code": "INV-1", "kind": "inverter"}]}"#.utf8)
            .write(to: scenario)
        defer { try? FileManager.default.removeItem(at: scenario) }
        let sim = try RunningSim(
            // A morning (the PV rising, the battery charging), whatever the time the test runs at: from now, a
            // thousand times faster, the sun could set before the first read.
            site: ["--scenario", scenario.path, "--speed", "1000", "--duration", "1d", "--start", "2026-06-21T07:00:00Z"],
            extra: ["--inverter-port", "0", "--inverter-winet"]
        )
        let port = try await Self.inverterPort(sim)
        #expect(
            sim.text().contains("inverter INV-1 (device inv-1) (Modbus TCP, WiNet-S, any unit id)"),
            "\(sim.text())"
        )
        let client = try await ModbusClient(port: port, responseTimeout: .seconds(5))
        #expect(
            await Self.errorCode { _ = try await client.readInputRegisters(address: 4999, count: 101) }
                == .exception(.illegalDataValue)
        )
        func energy() async throws -> (battery: Int, totalPV: Int) {
            let battery = try await client.readInputRegisters(address: 13_022, count: 1)
            try await Task.sleep(for: .milliseconds(50))
            let pv = try await client.readInputRegisters(address: 13_002, count: 2)
            try await Task.sleep(for: .milliseconds(50))
            return (Int(battery[0]), Int(pv[0]) | Int(pv[1]) << 16)
        }
        let before = try await energy()
        try await Task.sleep(for: .seconds(2))
        let after = try await energy()
        let batteryMoved = abs(after.battery - before.battery) >= 20
        let pvMoved = after.totalPV - before.totalPV >= 2
        #expect(
            batteryMoved || pvMoved,
            "battery_level \(before.battery) -> \(after.battery), total_pv_generation \(before.totalPV) -> \(after.totalPV)"
        )

        let taken = try await FaultCommandTests.run([
            "sim", "run", "--scenario", scenario.path, "--grpc-port", "0", "--inverter-port", "\(port)",
            "--spool-dir", sim.directory.appendingPathComponent("spool-2").path,
            "--data-dir", sim.directory.appendingPathComponent("data-2").path,
        ])
        #expect(taken.status != 0)
        #expect(taken.output.contains("--inverter-port \(port): cannot serve the inverter"), "\(taken.output)")
        await client.close()
        try await sim.stop()
    }

    @Test(
        .enabled(if: Self.enabled),
        arguments: [
            (["--inverter-port", "70000"], "--inverter-port must be 0...65535 (got 70000)"),
            (["--inverter-winet"], "--inverter-winet needs --inverter-port"),
            // Found by reading the parser after the command fuzz: 1e30s trapped converting to milliseconds.
            (["--duration", "1e30s"], "--duration must be between 1ms and 100 years (got '1e30s')"),
            (["--duration", "0.1ms"], "--duration must be between 1ms and 100 years (got '0.1ms')"),
            (["--start", "yesterday"], "--start must be an ISO 8601 UTC time between 1970 and 2200"),
            (["--start", "2300-01-01T00:00:00Z"], "--start must be an ISO 8601 UTC time between 1970 and 2200"),
        ]
    )
    func badRunFlagsAreRefusedNamingTheFlag(arguments: [String], message: String) async throws {
        let result = try await FaultCommandTests.run(["sim", "run", "--pilot"] + arguments)
        #expect(result.status != 0)
        #expect(result.output.contains(message), "\(result.output)")
    }
}
