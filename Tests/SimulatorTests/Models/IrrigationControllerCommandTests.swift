import Testing

@testable import Simulator

/// The command lifecycle: RECEIVED, then EXECUTED or REJECTED with an UPPER_SNAKE reason.
@Suite struct IrrigationControllerCommandTests {
    @Test func acksReceivedThenExecutedAndSwitchesTheValveAndPump() {
        var h = ControllerHarness()
        let mark = h.emitted.count
        #expect(h.open("vlv-std-1", seconds: 30) == (.executed, ""))
        let kinds = h.emitted[mark...].map(\.kind)
        #expect(kinds.first == .ack(commandID: "cmd-1", stage: .received, reason: ""))
        #expect(kinds.last == .ack(commandID: "cmd-1", stage: .executed, reason: ""))
        #expect(h.switches(since: mark).map(\.device) == ["vlv-std-1", "pmp-1"])
        h.advance(by: .seconds(30))
        #expect(h.onOutputs.isEmpty)
    }

    @Test func expiredCommandIsRefusedNeverExecutedLate() {
        var h = ControllerHarness()
        let mark = h.emitted.count
        #expect(h.send("valve.open", ["valve": "vlv-std-1"], expiresIn: .seconds(-1)) == (.rejected, "EXPIRED"))
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.emitted[mark].kind == .ack(commandID: "cmd-1", stage: .received, reason: ""))
    }

    @Test func duplicateIsReackedWithTheOriginalOutcomeAndNotExecutedTwice() {
        var h = ControllerHarness()
        #expect(h.send("valve.open", ["valve": "vlv-std-1", "duration_s": "30"], key: "k1") == (.executed, ""))
        h.advance(by: .seconds(40))
        let mark = h.emitted.count
        #expect(h.send("valve.open", ["valve": "vlv-std-1", "duration_s": "30"], key: "k1") == (.executed, ""))
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.send("valve.open", ["valve": "nope"], key: "k2") == (.rejected, "UNKNOWN_OUTPUT"))
        #expect(h.send("valve.open", ["valve": "vlv-std-1"], key: "k2") == (.rejected, "UNKNOWN_OUTPUT"))
    }

    @Test(arguments: [
        (["valve": "vlv-std-1", "duration_s": "ten"], "BAD_PARAMETER:duration_s"),
        (["valve": "vlv-std-1", "duration_s": "0"], "BAD_PARAMETER:duration_s"),
        ([:], "BAD_PARAMETER:valve"),
        (["valve": "pmp-1"], "UNKNOWN_OUTPUT"),
        (["valve": "vlv-9"], "UNKNOWN_OUTPUT"),
    ])
    func rejectsBadParametersNamingThem(parameters: [String: String], reason: String) {
        var h = ControllerHarness()
        #expect(h.send("valve.open", parameters) == (.rejected, reason))
        #expect(h.onOutputs.isEmpty)
    }

    @Test func rejectsUnknownCommandsAndMalformedPrograms() {
        var h = ControllerHarness()
        #expect(h.send("valve.explode", ["valve": "vlv-std-1"]) == (.rejected, "UNKNOWN_COMMAND"))
        #expect(h.send("program.start", ["steps": "vlv-std-1"]) == (.rejected, "BAD_PARAMETER:steps"))
        #expect(h.send("program.start", ["steps": "vlv-x:10"]) == (.rejected, "UNKNOWN_OUTPUT"))
        #expect(h.send("program.start", ["steps": "vlv-std-1:10"]) == (.executed, ""))
        #expect(h.send("program.start", ["steps": "vlv-std-1:10"]) == (.rejected, "PROGRAM_ACTIVE"))
    }

    @Test func commandAddressedToAValveNeedsNoValveParameter() {
        var h = ControllerHarness()
        #expect(h.send("valve.open", ["duration_s": "5"], to: "vlv-std-2") == (.executed, ""))
        #expect(h.onOutputs == ["vlv-std-2", "pmp-1"])
        let acks = h.emitted.filter { if case .ack = $0.kind { true } else { false } }
        #expect(acks.allSatisfy { $0.device == "vlv-std-2" })
    }

    @Test func localProgramRunsItsStepsWithNoCommandsAtAll() {
        var h = ControllerHarness()
        h.send("program.start", ["steps": "vlv-std-1:30;vlv-hl-1:20;vlv-std-2:10"])
        let mark = h.emitted.count
        for _ in 0..<70 { h.advance(by: .seconds(1)) }  // the broker is gone: only time passes
        let valveSwitches = h.switches(since: mark).filter { $0.device.hasPrefix("vlv") }
        #expect(valveSwitches.map(\.device) == ["vlv-std-1", "vlv-hl-1", "vlv-hl-1", "vlv-std-2", "vlv-std-2"])
        #expect(h.eventCodes.last == "PROGRAM_COMPLETED")
        #expect(h.onOutputs.isEmpty)
    }

    @Test func programStepWaitsForASlotUnderTheCap() {
        var h = ControllerHarness()
        h.open("vlv-hl-1", seconds: 30)
        h.send("program.start", ["steps": "vlv-hl-2:10"])
        #expect(h.eventCodes.contains("PROGRAM_WAITING"))
        #expect(!h.onOutputs.contains("vlv-hl-2"))
        h.advance(by: .seconds(30))
        #expect(h.onOutputs.contains("vlv-hl-2"))
        h.advance(by: .seconds(10))
        #expect(h.onOutputs.isEmpty)
    }
}
