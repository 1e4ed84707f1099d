import Fieldbus
import Simulator
import Testing

@Suite("SimulatedInverter fault expiry")
struct InverterFaultExpiryTests {
    /// A fault's duration runs on the simulation's clock. Before the fix it was wall-clock time, so advancing the
    /// simulation past it left the fault active.
    @Test func aFaultDurationEndsWhenTheSimulationReachesIt() async throws {
        try await withInverter { inverter in
            let start = inverter.state.now
            try inverter.setModbusFault(name: "silent", effect: .noReply, duration: .seconds(10))
            inverter.advance(to: start + .seconds(5))
            #expect(inverter.server.activeFaults().map(\.name) == ["silent"])
            inverter.advance(to: start + .seconds(10))
            #expect(inverter.server.activeFaults().isEmpty)
        }
    }

    @Test func clearingAFaultForgetsItsDuration() async throws {
        try await withInverter { inverter in
            let start = inverter.state.now
            try inverter.setModbusFault(name: "silent", effect: .noReply, duration: .seconds(10))
            #expect(inverter.clearModbusFault(name: "silent"))
            try inverter.setModbusFault(name: "silent", effect: .noReply)
            inverter.advance(to: start + .seconds(20))
            #expect(inverter.server.activeFaults().map(\.name) == ["silent"])
        }
    }
}
