import Fieldbus
import Foundation
import Logging
import Simulator
import Synchronization
import TestSupport
import Testing

func withInverter(
    at hour: Int = 12,
    wiNetS: WiNetSLimits? = nil,
    onIntervention: (@Sendable (ModbusServer.Intervention) -> Void)? = nil,
    _ body: (SimulatedInverter) async throws -> Void
) async throws {
    let configuration = try SungrowInverterConfiguration()
    let inverter = try SimulatedInverter(
        configuration: configuration,
        start: midnight + .seconds(hour * 3600),
        wiNetS: wiNetS,
        logger: Logger(label: "inverter-test"),
        onIntervention: onIntervention
    )
    do {
        try await body(inverter)
    } catch {
        await inverter.stop()
        throw error
    }
    await inverter.stop()
}

/// The registers as a poller sees them, by documented address, decoded here without the simulator's encoder:
/// U32/S32 low word first.
struct PolledRegisters {
    var input: [Int: UInt16]
    var holding: [Int: UInt16]

    func u16(_ address: Int) -> Int { Int(self.input[address]!) }
    func s16(_ address: Int) -> Int { Int(Int16(bitPattern: self.input[address]!)) }
    func u32(_ address: Int) -> Int { Int(self.input[address]!) | Int(self.input[address + 1]!) << 16 }
    func s32(_ address: Int) -> Int { Int(Int32(bitPattern: UInt32(self.u32(address)))) }

    /// Every value a poller derives, checked against the model's state with the protocol's scales.
    func expectMatches(_ model: SungrowInverter) {
        let flows = model.flows
        #expect(self.u16(5000) == 0x0E03)
        #expect(self.u16(5001) == 100)  // 10 kW at 0.1 kW
        #expect(self.u32(5017) == Int(flows.pvW.rounded()))
        #expect(self.u16(5038) == Int(flows.workState.rawValue))
        // Two MPPTs share the PV power; the string voltage rises from 300 V with output, and is 0 in the dark.
        let volts = flows.pvW > 0 ? 300 + 80 * flows.pvW / 9_000 : 0
        for mppt in [5011, 5013] {
            #expect(self.u16(mppt) == Int((10 * volts).rounded()))
            #expect(self.u16(mppt + 1) == (volts > 0 ? Int((10 * flows.pvW / 2 / volts).rounded()) : 0))
        }
        for absent in 5015...5016 { #expect(self.u16(absent) == 0xFFFF) }
        #expect(self.u16(13002) == Int((model.dailyPVWh / 100).rounded()))  // kWh at 0.1
        #expect(self.u32(13003) == Int((model.totalPVWh / 100).rounded()))
        #expect(self.s32(13008) == 1_500)
        #expect(self.s32(13010) == Int(flows.exportW.rounded()))
        #expect(self.u16(13022) == Int(abs(flows.batteryW).rounded()))
        #expect(self.u16(13023) == Int((model.stateOfCharge * 1000).rounded()))  // % at 0.1
        #expect(self.s16(13025) == 220)
        #expect(self.s32(13034) == Int((flows.pvW - flows.batteryW).rounded()))
        #expect(self.holding[5006] == (model.isStarted ? 0xCF : 0xCE))
        #expect(self.holding[5007] == (model.powerLimitationEnabled ? 0xAA : 0x55))
        #expect(self.holding[5008] == model.powerLimitationPermille)
    }
}

/// The blocks a poller reads: (table, first documented address, count).
let polledBlocks: [(RegisterKind, Int, Int)] = [(.input, 5000, 39), (.input, 13002, 34), (.holding, 5006, 3)]

func poll(_ client: ModbusClient) async throws -> PolledRegisters {
    var registers = PolledRegisters(input: [:], holding: [:])
    for (kind, first, count) in polledBlocks {
        let words =
            kind == .input
            ? try await client.readInputRegisters(address: first - 1, count: count)
            : try await client.readHoldingRegisters(address: first - 1, count: count)
        for (offset, word) in words.enumerated() {
            if kind == .input {
                registers.input[first + offset] = word
            } else {
                registers.holding[first + offset] = word
            }
        }
    }
    return registers
}

/// The same blocks read by pymodbus, an independent client, in a python3 child process.
func pollWithPymodbus(port: Int) async throws -> PolledRegisters {
    let script = """
        import json, sys
        from pymodbus.client import ModbusTcpClient
        client = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=3, retries=0)
        assert client.connect(), "connect failed"
        out = {"input": {}, "holding": {}}
        for kind, first, count in json.loads(sys.argv[2]):
            read = client.read_input_registers if kind == "input" else client.read_holding_registers
            reply = read(first - 1, count=count, device_id=1)
            assert not reply.isError(), str(reply)
            for offset, word in enumerate(reply.registers):
                out[kind][str(first + offset)] = word
        client.close()
        print(json.dumps(out))
        """
    let blocks = polledBlocks.map { "[\"\($0.0.rawValue)\", \($0.1), \($0.2)]" }.joined(separator: ", ")
    let result = try await ChildProcess.run(
        ["python3", "-c", script, String(port), "[\(blocks)]"],
        capture: .standardOutput,
        timeout: .seconds(60)
    )
    #expect(result.status == 0)
    let decoded = try JSONDecoder().decode([String: [String: UInt16]].self, from: Data(result.output.utf8))
    func table(_ name: String) -> [Int: UInt16] {
        Dictionary(uniqueKeysWithValues: (decoded[name] ?? [:]).map { (Int($0.key)!, $0.value) })
    }
    return PolledRegisters(input: table("input"), holding: table("holding"))
}

@Suite("SimulatedInverter")
struct SimulatedInverterTests {
    @Test func theRegisterMapReadsBackThroughLibmodbus() async throws {
        try await withInverter { inverter in
            let client = try await ModbusClient(port: inverter.port)
            try await poll(client).expectMatches(inverter.state)
            inverter.advance(to: inverter.state.now + .seconds(5400))
            try await poll(client).expectMatches(inverter.state)
            #expect(inverter.state.dailyPVWh > 0)
            await client.close()
        }
    }

    @Test(arguments: [12, 23])
    func theRegisterMapReadsBackThroughPymodbus(hour: Int) async throws {
        try await withInverter(at: hour) { inverter in
            inverter.advance(to: inverter.state.now + .seconds(1800))
            let port = inverter.port
            // pymodbus blocks in a child process; wait for it off the cooperative pool.
            let registers = try await pollWithPymodbus(port: port)
            registers.expectMatches(inverter.state)
        }
    }

    @Test func writesThroughModbusStartStopAndLimitTheInverter() async throws {
        try await withInverter(at: 13) { inverter in
            let client = try await ModbusClient(port: inverter.port)
            try await client.writeRegister(address: 5005, value: 0xCE)
            #expect(inverter.state.flows.workState == .stop)
            try await client.writeRegisters(address: 5005, values: [0xCF, 0xAA, 250])
            #expect(inverter.state.flows.workState == .deratingRun && inverter.state.flows.pvW == 2_500)
            try await poll(client).expectMatches(inverter.state)
            #expect(
                await errorCode { try await client.writeRegister(address: 5005, value: 0x12) }
                    == .exception(.illegalDataValue)
            )
            #expect(
                await errorCode { try await client.writeRegister(address: 4999, value: 1) }
                    == .exception(.illegalDataAddress)
            )
            await client.close()
        }
    }

    @Test func emergencyStopAndFaultShowInTheWorkState() async throws {
        try await withInverter { inverter in
            let client = try await ModbusClient(port: inverter.port)
            inverter.setEmergencyStop(true)
            let read152 = try await client.readInputRegisters(address: 5037, count: 1)
            #expect(read152 == [0x1500])
            let read153 = try await client.readInputRegisters(address: 5016, count: 2)
            #expect(read153 == [0, 0])
            inverter.setEmergencyStop(false)
            inverter.latchFault("grid-overvoltage")
            let read156 = try await client.readInputRegisters(address: 5037, count: 1)
            #expect(read156 == [0x5500])
            inverter.clearFault()
            let read158 = try await client.readInputRegisters(address: 5037, count: 1)
            #expect(read158 == [0x0000])
            await client.close()
        }
    }

    @Test func wiNetSRefusesBigReadsAndLocksUpWhenPolledTooHard() async throws {
        // A gap no back-to-back request can keep, so the outcome does not depend on the machine's speed.
        let limits = WiNetSLimits(minimumGap: .seconds(60), violationsBeforeLockup: 3, lockupDuration: .seconds(60))
        try await withInverter(wiNetS: limits) { inverter in
            // Reads that must succeed wait seconds; only those expected to time out use a short timeout.
            let client = try await ModbusClient(port: inverter.port, responseTimeout: .seconds(5))
            let impatient = try await ModbusClient(port: inverter.port, responseTimeout: .milliseconds(300))
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 4999, count: 101) }
                    == .exception(.illegalDataValue)
            )
            let read170 = try await client.readInputRegisters(address: 13_001, count: 34)
            #expect(read170.count == 34)
            let read171 = try await client.readInputRegisters(address: 4999, count: 39)
            #expect(read171.count == 39)
            #expect(await errorCode { _ = try await impatient.readInputRegisters(address: 4999, count: 1) } == .timeout)
            #expect(await errorCode { _ = try await impatient.readInputRegisters(address: 4999, count: 1) } == .timeout)
            #expect(
                inverter.server.interventions().map(\.cause).suffix(2) == ["pacing lockupStarted", "pacing lockedUp"]
            )
            try inverter.setWiNetS(nil)
            let read176 = try await client.readInputRegisters(address: 4999, count: 1)
            #expect(read176 == [0x0E03])
            await client.close()
            await impatient.close()
        }
    }

    @Test func aWellPacedPollerIsNeverLockedOut() async throws {
        let limits = WiNetSLimits(
            minimumGap: .milliseconds(20),
            violationsBeforeLockup: 1,
            lockupDuration: .seconds(60),
            blockPollInterval: nil  // this test polls one block every 40 ms: only the gap rule is under test
        )
        try await withInverter(wiNetS: limits) { inverter in
            let client = try await ModbusClient(port: inverter.port, responseTimeout: .seconds(2))
            for _ in 0..<5 {
                try await Task.sleep(for: .milliseconds(40))
                let read187 = try await client.readInputRegisters(address: 13_022, count: 1)
                #expect(read187.count == 1)
            }
            await client.close()
        }
    }

    @Test func modbusFaultsApplyToTheNamedRegistersAndAreLogged() async throws {
        let observed = Mutex<[String]>([])
        try await withInverter(onIntervention: { intervention in observed.withLock { $0.append(intervention.cause) } })
        {
            inverter in
            // Reads that must succeed wait seconds; only those expected to time out use a short timeout.
            let client = try await ModbusClient(port: inverter.port, responseTimeout: .seconds(5))
            let impatient = try await ModbusClient(port: inverter.port, responseTimeout: .milliseconds(300))
            try inverter.setModbusFault(
                name: "soc-busy",
                effect: .exception(.serverDeviceBusy),
                registers: ["battery_level"]
            )
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 13_001, count: 34) }
                    == .exception(.serverDeviceBusy)
            )
            let read199 = try await client.readInputRegisters(address: 4999, count: 39)
            #expect(read199.count == 39)
            #expect(inverter.clearModbusFault(name: "soc-busy"))

            try inverter.setModbusFault(name: "silent", effect: .noReply, remaining: 1)
            #expect(await errorCode { _ = try await impatient.readInputRegisters(address: 4999, count: 1) } == .timeout)
            try inverter.setModbusFault(name: "garbled", effect: .junkReply, registers: ["work_state"], remaining: 1)
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 5037, count: 1) } == .malformedReply
            )
            let read206 = try await client.readInputRegisters(address: 5037, count: 1)
            #expect(read206 == [0])

            let log = inverter.server.interventions()
            #expect(log.map(\.cause) == ["fault soc-busy", "fault silent", "fault garbled"])
            #expect(log.map(\.request.address) == [13_001, 4999, 5037])
            #expect(observed.withLock { $0 } == log.map(\.cause))
            #expect(
                await errorCode { try inverter.setModbusFault(name: "x", effect: .noReply, registers: ["nope"]) }
                    == .invalidArgument(field: "registers")
            )
            #expect(
                await errorCode { try inverter.setModbusFault(name: "x", effect: .noReply, duration: .zero) }
                    == .invalidArgument(field: "duration")
            )
            await client.close()
            await impatient.close()
        }
    }
}

func errorCode(_ body: () async throws -> Void) async -> ModbusError.Code? {
    do {
        try await body()
        return nil
    } catch let error as ModbusError {
        return error.code
    } catch {
        return nil
    }
}
