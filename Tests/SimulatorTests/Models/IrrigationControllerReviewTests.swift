import Testing

@testable import Simulator

/// The defects a review found in the controller, each pinned by the behaviour that must hold.
@Suite struct IrrigationControllerReviewTests {
    static func harness(maxRuntime: Duration = .seconds(300)) -> ControllerHarness {
        ControllerHarness(config: ModelsFixture.config(maxRuntime: maxRuntime))
    }

    @Test func programWhoseConsecutiveStepsOnOneValveExceedMaxRuntimeIsRejected() {
        var h = Self.harness()
        let mark = h.emitted.count
        let ack = h.send("program.start", ["steps": "vlv-std-1:200;vlv-std-1:200"])
        #expect(ack == (.rejected, "BAD_PARAMETER:steps"))
        #expect(h.switches(since: mark).isEmpty)
    }

    @Test func consecutiveStepsOnOneValveKeepItOpenWithoutABlip() {
        var h = Self.harness()
        let mark = h.emitted.count
        #expect(h.send("program.start", ["steps": "vlv-std-1:200;vlv-std-1:50"]) == (.executed, ""))
        h.advance(by: .seconds(200))
        #expect(h.switches(since: mark).map(\.isOn) == [true, true])
        h.advance(by: .seconds(50))
        #expect(h.switches(since: mark).map(\.isOn) == [true, true, false, false])
        #expect(h.eventCodes.contains("PROGRAM_COMPLETED"))
        #expect(!h.eventCodes.contains("MAX_RUNTIME"))
    }

    @Test func aReopenAtTheInstantOfATimedCloseKeepsCountingTheRuntime() {
        var h = Self.harness()
        #expect(h.open("vlv-std-1", seconds: 200) == (.executed, ""))
        h.advance(by: .seconds(200))
        #expect(h.open("vlv-std-1", seconds: 200) == (.executed, ""))
        h.advance(by: .seconds(100))  // 300 s of continuous physical ON time
        #expect(h.eventCodes.contains("MAX_RUNTIME"))
        #expect(h.onOutputs.isEmpty)
    }

    @Test func anOpenRefusedForTheCapIsFinalAndNeverExecutesLater() {
        var h = Self.harness()
        #expect(h.open("vlv-hl-1") == (.executed, ""))
        #expect(h.open("vlv-hl-2") == (.rejected, "CONCURRENCY_CAP"))
        #expect(h.send("valve.close", ["valve": "vlv-hl-1"]) == (.executed, ""))
        #expect(!h.onOutputs.contains("vlv-hl-2"))
        #expect(!h.eventCodes.contains("OPEN_QUEUED"))
    }

    @Test func aValveParameterNamingAnotherValveThanTheAddressedOneIsRefused() {
        var h = Self.harness()
        let mark = h.emitted.count
        let ack = h.send("valve.open", ["valve": "vlv-std-2"], to: "vlv-std-1")
        #expect(ack == (.rejected, "BAD_PARAMETER:valve"))
        #expect(h.switches(since: mark).isEmpty)
        #expect(h.send("valve.open", ["valve": "vlv-std-1"], to: "vlv-std-1") == (.executed, ""))
    }

    @Test func anEmptyIdempotencyKeyIsRefused() {
        var h = Self.harness()
        let mark = h.emitted.count
        #expect(h.send("valve.open", ["valve": "vlv-std-1"], key: "") == (.rejected, "BAD_PARAMETER:idempotency_key"))
        #expect(h.send("valve.open", ["valve": "vlv-std-1"], key: "") == (.rejected, "BAD_PARAMETER:idempotency_key"))
        #expect(h.switches(since: mark).isEmpty)
    }

    @Test func aProgramStepWaitingForTheCapIsAbortedAfterItsBoundAndNeverOpensLate() {
        var h = Self.harness(maxRuntime: .seconds(1800))
        #expect(h.open("vlv-hl-1") == (.executed, ""))
        #expect(h.send("program.start", ["steps": "vlv-hl-2:60"]) == (.executed, ""))
        #expect(h.eventCodes.contains("PROGRAM_WAITING"))
        h.advance(by: .seconds(900))  // longer than the default bound on a step's wait (10 min)
        #expect(h.eventCodes.contains("PROGRAM_ABORTED"))
        #expect(h.controller.program == nil)
        #expect(h.send("valve.close", ["valve": "vlv-hl-1"]) == (.executed, ""))
        #expect(h.onOutputs.isEmpty)
    }
}

/// The site's handling of faults and defaults the review found.
@Suite struct SiteSimulationReviewTests {
    let t0 = ModelsFixture.start

    @Test func restoreOnTheControllerLeavesTankLowInjectedOnItsTankSensor() {
        var site = SiteSimulation(spec: ModelsFixture.spec(), seed: 1, start: self.t0)
        _ = site.apply(.tankLow, to: ModelsFixture.tank, at: self.t0 + .seconds(1))
        let out = site.apply(.restore, to: ModelsFixture.controller, at: self.t0 + .seconds(2))
        #expect(!out.contains { if case .event(_, "TANK_RESTORED", _, _) = $0.kind { true } else { false } })
        #expect(site.controllers[0].tankLow)
        let restored = site.apply(.restore, to: ModelsFixture.tank, at: self.t0 + .seconds(3))
        #expect(restored.contains { if case .event(_, "TANK_RESTORED", _, _) = $0.kind { true } else { false } })
    }

    @Test func aValveWithoutALoadClassCountsAsHighLoad() {
        var devices = [DeviceSpec(id: "ctl", code: "CTL", kind: .irrigationController)]
        for id in ["v1", "v2"] {
            devices.append(DeviceSpec(id: id, code: id.uppercased(), kind: .valve, controller: "ctl"))
        }
        var site = SiteSimulation(spec: SiteSpec(site: "s", zones: [], devices: devices), seed: 1, start: self.t0)
        func open(_ valve: String) -> [Emission] {
            site.receive(
                SimCommand(
                    id: "c-\(valve)",
                    idempotencyKey: "k-\(valve)",
                    device: valve,
                    name: ControllerCommand.valveOpen,
                    parameters: [:],
                    expireTime: self.t0 + .seconds(60)
                ),
                at: self.t0 + .seconds(1)
            )
        }
        _ = open("v1")
        let second = open("v2")
        #expect(second.last?.kind == .ack(commandID: "c-v2", stage: .rejected, reason: "CONCURRENCY_CAP"))
    }
}
