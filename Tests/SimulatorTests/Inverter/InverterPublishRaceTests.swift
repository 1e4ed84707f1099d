import Fieldbus
import Simulator
import Testing

@Suite("SimulatedInverter publishing")
struct InverterPublishRaceTests {
    /// Writes racing `advance(to:)`: afterwards the served register equals the model's value. When registers were
    /// published after releasing the model's lock, an older snapshot could land last (a race: not every run of the
    /// old code fails).
    @Test func writesRacingAdvancesLeaveTheNewestRegistersServed() async throws {
        try await withInverter(at: 13) { inverter in
            let client = try await ModbusClient(port: inverter.port, responseTimeout: .seconds(5))
            try await client.writeRegister(address: 5006, value: 0xAA)
            let start = inverter.state.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for step in 1...400 { inverter.advance(to: start + .seconds(step)) }
                }
                group.addTask {
                    for value in 1...100 { try await client.writeRegister(address: 5007, value: UInt16(value * 10)) }
                }
                try await group.waitForAll()
            }
            await client.close()
            let served = try inverter.server.datastore.read(.holding, address: 5007, count: 1)
            #expect(inverter.state.powerLimitationPermille == 1000)
            #expect(served == [inverter.state.powerLimitationPermille])
        }
    }
}
