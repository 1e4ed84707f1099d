import Testing

@testable import Simulator

/// The dual-source power FSM and the HIL chaos matrix's PoE->AC and AC->PoE rows.
@Suite struct PowerSupplyTests {
    @Test func poeLossWithACPresentKeepsTheRunWithoutActuation() {
        var h = ControllerHarness()
        h.send("program.start", ["steps": "vlv-std-1:30"])
        let mark = h.emitted.count
        h.input { c, now, out in c.setPoE(false, at: now, into: &out) }
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.eventCodes.suffix(2) == ["POE_LOST", "POWER_SOURCE_CHANGED"])
        #expect(h.controller.power.mode == .poeLost)
        h.input { c, now, out in c.setPoE(true, at: now, into: &out) }
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.eventCodes.suffix(2) == ["POE_RESTORED", "POWER_SOURCE_CHANGED"])
        h.advance(by: .seconds(30))
        #expect(h.eventCodes.last == "PROGRAM_COMPLETED")
    }

    @Test func acLossWithPoEPresentKeepsTheRunWithoutActuation() {
        var h = ControllerHarness()
        h.open("vlv-std-1")
        let mark = h.emitted.count
        h.input { c, now, out in c.setAC(false, at: now, into: &out) }
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.eventCodes.suffix(2) == ["AC_LOST", "POWER_SOURCE_CHANGED"])
        #expect(h.onOutputs == ["vlv-std-1", "pmp-1"])
    }

    @Test func losingBothSourcesDropsOutputsTruthfullyAndBootsLatched() {
        var h = ControllerHarness()
        h.open("vlv-std-1")
        h.input { c, now, out in c.setAC(false, at: now, into: &out) }
        let mark = h.emitted.count
        h.input { c, now, out in c.setPoE(false, at: now, into: &out) }
        let dead = h.emitted[mark...]
        #expect(dead.allSatisfy { if case .outputChanged(_, false) = $0.kind { true } else { false } })
        #expect(dead.count == 2)
        #expect(h.send("valve.open", ["valve": "vlv-std-2"]) == (.received, "no final ack"))  // it hears nothing
        h.input { c, now, out in c.setPoE(true, at: now, into: &out) }
        #expect(h.eventCodes.last == "POWER_RESTORED")
        #expect(h.controller.latchedFault == "POWER_LOST")
        #expect(h.onOutputs.isEmpty)
        #expect(h.open("vlv-std-2") == (.rejected, "FAULT_LATCHED"))
        #expect(h.send("rearm", ["authorizer": "lead"]) == (.executed, ""))
        #expect(h.open("vlv-std-2") == (.executed, ""))
    }
}
