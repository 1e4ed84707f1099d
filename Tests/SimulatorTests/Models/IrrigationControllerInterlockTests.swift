import Testing

@testable import Simulator

/// The FRP-06 interlock table, row by row, on the controller alone.
@Suite struct IrrigationControllerInterlockTests {
    enum Gate: String, CaseIterable { case estop, door }

    @Test(arguments: Gate.allCases)
    func gateOpenSwitchesEverythingOffAtOnceAndLatchesUntilClearedAndRearmed(gate: Gate) {
        var h = ControllerHarness()
        h.open("vlv-hl-1")
        h.open("vlv-std-1")
        h.open("vlv-std-2")
        #expect(h.onOutputs.count == 4)  // 3 valves and the pump
        h.advance(by: .seconds(5))
        let mark = h.emitted.count
        let gateAt = h.now
        h.input { c, now, out in
            gate == .estop ? c.setEstop(open: true, at: now, into: &out) : c.setDoor(open: true, at: now, into: &out)
        }
        let offs = h.switches(since: mark)
        #expect(offs.count == 4 && offs.allSatisfy { !$0.isOn })
        #expect(
            h.emitted[mark...].filter { if case .outputChanged = $0.kind { true } else { false } }.allSatisfy {
                $0.at == gateAt
            }
        )
        let code = gate == .estop ? "ESTOP_OPEN" : "DOOR_OPEN"
        #expect(h.eventCodes.contains(code))
        #expect(h.controller.latchedFault == code)
        let states = h.emitted[mark...].compactMap { e -> String? in
            if case .state(let fault, let properties) = e.kind, properties["estop"] != nil {
                return fault
            } else {
                return nil
            }
        }
        #expect(states.last == code)

        #expect(h.open("vlv-std-3") == (.rejected, "FAULT_LATCHED"))
        #expect(h.send("rearm", ["authorizer": "lead"]) == (.rejected, "INTERLOCK_ACTIVE"))  // cause not cleared
        h.input { c, now, out in
            gate == .estop ? c.setEstop(open: false, at: now, into: &out) : c.setDoor(open: false, at: now, into: &out)
        }
        #expect(h.controller.latchedFault == code)  // closing the loop alone clears nothing
        #expect(h.open("vlv-std-3") == (.rejected, "FAULT_LATCHED"))
        #expect(h.send("rearm", [:]) == (.rejected, "BAD_PARAMETER:authorizer"))
        let beforeRearm = h.emitted.count
        #expect(h.send("rearm", ["authorizer": "lead"]) == (.executed, ""))
        #expect(h.switches(since: beforeRearm).isEmpty)  // re-arm never reopens a valve
        #expect(h.onOutputs.isEmpty)
        #expect(h.open("vlv-std-3") == (.executed, ""))
    }

    @Test func rearmHonoursTheConfiguredAuthorizers() {
        var config = ModelsFixture.config()
        config.authorizers = ["lead"]
        var h = ControllerHarness(config: config)
        h.input { c, now, out in
            c.setEstop(open: true, at: now, into: &out); c.setEstop(open: false, at: now, into: &out)
        }
        #expect(h.send("rearm", ["authorizer": "intern"]) == (.rejected, "UNAUTHORIZED"))
        #expect(h.send("rearm", ["authorizer": "lead"]) == (.executed, ""))
        #expect(h.controller.latchedFault == nil)
    }

    @Test func tankLowAbortsTheRunAndTheProgramRetriesWhenRestored() {
        var h = ControllerHarness()
        #expect(h.send("program.start", ["steps": "vlv-std-1:60;vlv-std-2:60"]) == (.executed, ""))
        h.advance(by: .seconds(20))
        #expect(h.onOutputs == ["vlv-std-1", "pmp-1"])
        h.input { c, now, out in c.tankLevel(8, tank: "tank-1", at: now, into: &out) }
        #expect(h.onOutputs.isEmpty)
        #expect(h.eventCodes.contains("TANK_LOW"))
        #expect(h.controller.latchedFault == nil)  // an inhibit, not a latch
        #expect(h.open("vlv-std-4") == (.rejected, "INTERLOCK_ACTIVE"))
        #expect(h.send("program.start", ["steps": "vlv-std-4:10"]) == (.rejected, "INTERLOCK_ACTIVE"))
        h.input { c, now, out in c.tankLevel(12, tank: "tank-1", at: now, into: &out) }  // hysteresis: still low
        #expect(h.onOutputs.isEmpty)
        h.input { c, now, out in c.tankLevel(40, tank: "tank-1", at: now, into: &out) }
        #expect(h.eventCodes.contains("TANK_RESTORED") && h.eventCodes.contains("PROGRAM_RETRY"))
        #expect(h.onOutputs == ["vlv-std-1", "pmp-1"])  // the aborted step again, from its full duration
        h.advance(by: .seconds(60))
        #expect(h.onOutputs == ["vlv-std-2", "pmp-1"])
        h.advance(by: .seconds(60))
        #expect(h.onOutputs.isEmpty)
        #expect(h.eventCodes.last == "PROGRAM_COMPLETED")
    }

    @Test func maxRuntimeClosesSafelyAtTheLimitAndLatches() {
        var h = ControllerHarness(config: ModelsFixture.config(maxRuntime: .seconds(600)))
        let openedAt = h.now
        h.open("vlv-std-1")
        h.open("vlv-hl-1", seconds: 30)
        #expect(h.open("vlv-std-2", seconds: 600) == (.rejected, "BAD_PARAMETER:duration_s"))  // not below the limit
        h.advance(by: .seconds(3600))
        let closes = h.switches().filter { !$0.isOn }
        #expect(closes.map(\.device).contains("vlv-std-1"))
        let close = h.emitted.first {
            $0.device == "vlv-std-1" && $0.kind == .outputChanged(output: "valve", isOn: false)
        }
        #expect(close?.at == openedAt + .seconds(600))
        #expect(h.controller.latchedFault == "MAX_RUNTIME")
        #expect(h.open("vlv-std-1") == (.rejected, "FAULT_LATCHED"))
        #expect(h.send("rearm", ["authorizer": "lead"]) == (.executed, ""))
        #expect(h.open("vlv-std-1", seconds: 10) == (.executed, ""))
    }

    @Test func concurrencyCapRejectsTwoHighLoadAndEightStandardDownToOneAndSix() {
        var h = ControllerHarness()
        var results: [String: (AckStage, String)] = [:]
        for valve in ModelsFixture.valves { results[valve] = h.open(valve) }
        #expect(results["vlv-hl-1"]! == (.executed, ""))
        #expect(results["vlv-hl-2"]! == (.rejected, "CONCURRENCY_CAP"))
        #expect((1...6).allSatisfy { results["vlv-std-\($0)"]! == (.executed, "") })
        #expect(results["vlv-std-7"]! == (.rejected, "CONCURRENCY_CAP"))
        #expect(results["vlv-std-8"]! == (.rejected, "CONCURRENCY_CAP"))
        #expect(h.controller.outputs.filter { $0.isOn && $0.load == .highLoad }.count == 1)
        #expect(h.controller.outputs.filter { $0.isOn && $0.load == .standard }.count == 6)
        // REJECTED is final: a freed slot opens nothing; the platform queues and sends a new command.
        h.send("valve.close", ["valve": "vlv-std-3"])
        h.send("valve.close", ["valve": "vlv-hl-1"])
        #expect(!h.onOutputs.contains("vlv-std-7") && !h.onOutputs.contains("vlv-hl-2"))
        #expect(h.open("vlv-std-7") == (.executed, ""))
    }
}
