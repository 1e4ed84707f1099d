import Fieldbus
import Testing

@testable import Simulator

/// Modbus faults through the injector onto a real `SimulatedInverter`, read back by a libmodbus client.
@Suite struct FaultInjectorModbusTests {
    @Test func timedModbusFaultsApplyToTheirRegistersAndEndOnTheSimulationClock() async throws {
        try await withInverter { inverter in
            let clock = TestSimClock()
            let sink = FaultLogSink()
            let injector = FaultInjector(
                targets: .init(modbus: inverter),
                clock: { clock.read() },
                log: { sink.write($0) }
            )
            let client = try await ModbusClient(port: inverter.port, responseTimeout: .milliseconds(300))
            let busy = try await injector.inject(
                FaultRequest(
                    target: .inverter,
                    effect: .modbus(
                        ModbusFaultSpec(effect: .exception(.serverDeviceBusy), registers: .named(["battery_level"]))
                    ),
                    duration: .seconds(10)
                ),
                by: "test"
            )
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 13_022, count: 1) }
                    == .exception(.serverDeviceBusy)
            )
            #expect(try await client.readInputRegisters(address: 4999, count: 1).count == 1)  // other registers

            let junk = try await injector.inject(
                FaultRequest(
                    target: .inverter,
                    effect: .modbus(ModbusFaultSpec(effect: .junkReply, registers: .wire(5037...5037)))
                ),
                by: "test"
            )
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 5037, count: 1) } == .malformedReply
            )

            clock.set(ModelsFixture.start + .seconds(10))
            #expect(await injector.expireDue(at: clock.read()).map(\.id) == [busy.id])
            #expect(try await client.readInputRegisters(address: 13_022, count: 1).count == 1)
            #expect(
                await errorCode { _ = try await client.readInputRegisters(address: 5037, count: 1) } == .malformedReply
            )  // held
            _ = try await injector.clear(id: junk.id, by: "test")
            #expect(try await client.readInputRegisters(address: 5037, count: 1).count == 1)
            let what = ["modbus-exception-6", "modbus-junk-reply", "modbus-exception-6", "modbus-junk-reply"]
            #expect(sink.all.map(\.what) == what)
            #expect(sink.all.map(\.action) == [.applied, .applied, .expired, .cleared])

            await #expect(throws: FaultError.invalid("fault.modbus.registers", "registers: no register 'nope'")) {
                try await injector.inject(
                    FaultRequest(
                        target: .inverter,
                        effect: .modbus(ModbusFaultSpec(effect: .noReply, registers: .named(["nope"])))
                    ),
                    by: "test"
                )
            }
            await client.close()
        }
    }
}
