import Domain
import Foundation
import Testing

@Suite("Tank-low retry of an aborted run")
struct TankLowRetryTests {
    static let program = IrrigationProgram(
        id: Fixture.id(400),
        groupID: Fixture.id(300),
        name: "Three zones",
        steps: (1...3).map { ProgramStep(zoneID: Fixture.id($0), amount: .duration(60)) },
        maxRuntime: 600
    )
    let t0 = Fixture.now
    let tankLow = RunDecision.abort(reasons: [.tankLow], closeZones: [], latch: [])

    /// A run whose step 1 waters, then meets `decision` and has its closes confirmed.
    func abortedWhileWateringStep1(_ decision: RunDecision) throws -> IrrigationRun {
        var run = IrrigationRun(
            id: Fixture.id(500),
            program: Self.program,
            requestedBy: Fixture.id(10),
            requestedAt: t0,
            manualApproval: false
        )
        _ = try run.startStep(.allowed, at: t0)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1)
        _ = try run.stepFinished(at: t0 + 61)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 62)
        _ = try run.startStep(.allowed, at: t0 + 62)
        _ = run.commandSettled(zoneID: Fixture.id(2), action: .open, status: .executed, at: t0 + 63)
        _ = run.interlock(decision, at: t0 + 70)
        for zone in run.pendingCloses {
            _ = run.commandSettled(zoneID: zone, action: .close, status: .executed, at: t0 + 71)
        }
        return run
    }

    @Test("a run the tank stopped mid-step is retried from that step: Queued, step 0 kept, a derived id")
    func retriesFromTheInterruptedStep() throws {
        let aborted = try abortedWhileWateringStep1(tankLow)
        #expect(aborted.status == .aborted)
        let retry = try #require(aborted.tankLowRetry(at: t0 + 80))
        #expect(retry.id == IrrigationRun.retryID(of: aborted.id))
        #expect(retry.id != aborted.id)
        #expect(retry.status == .queued && retry.currentStep == 1)
        #expect(retry.blockReason == nil && retry.abortCause == nil && retry.startedAt == nil)
        #expect(retry.requestedAt == t0 + 80 && retry.requestedBy == aborted.requestedBy)
        #expect(retry.steps.map(\.status) == [.done, .pending, .pending])
        #expect(retry.steps[0].openedAt == t0 + 1 && retry.steps[1].openedAt == nil)
        #expect(retry.pendingCloses.isEmpty && retry.unconfirmedZones.isEmpty)
        #expect(IrrigationRun.retryID(of: aborted.id) == retry.id, "the id is stable")
    }

    @Test("an operator who aborts a run the tank is already stopping cancels the retry")
    func anOperatorAbortWhileAbortingCancelsTheRetry() throws {
        var run = IrrigationRun(
            id: Fixture.id(503),
            program: Self.program,
            requestedBy: Fixture.id(10),
            requestedAt: t0,
            manualApproval: false
        )
        _ = try run.startStep(.allowed, at: t0)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1)
        _ = run.interlock(tankLow, at: t0 + 5)
        #expect(run.status == .aborting)
        #expect(try run.abort(by: Fixture.id(11), reason: "stop for today", at: t0 + 6).isEmpty)
        for zone in run.pendingCloses {
            _ = run.commandSettled(zoneID: zone, action: .close, status: .executed, at: t0 + 7)
        }
        #expect(run.status == .aborted)
        #expect(run.abortCause == .operatorRequest(by: Fixture.id(11), reason: "stop for today"))
        #expect(run.tankLowRetry(at: t0 + 80) == nil)
    }

    @Test("no retry for another abort cause, a run still aborting, or a Queued run that timed out waiting")
    func noRetryOtherwise() throws {
        let ec = try abortedWhileWateringStep1(.abort(reasons: [.ecOutOfBounds], closeZones: [], latch: []))
        #expect(ec.tankLowRetry(at: t0 + 80) == nil)

        var aborting = IrrigationRun(
            id: Fixture.id(501),
            program: Self.program,
            requestedBy: nil,
            requestedAt: t0,
            manualApproval: false
        )
        _ = try aborting.startStep(.allowed, at: t0)
        _ = aborting.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1)
        _ = aborting.interlock(tankLow, at: t0 + 5)
        #expect(aborting.status == .aborting)
        #expect(aborting.tankLowRetry(at: t0 + 6) == nil)

        var waited = IrrigationRun(
            id: Fixture.id(502),
            program: Self.program,
            requestedBy: nil,
            requestedAt: t0,
            manualApproval: false
        )
        _ = try waited.startStep(.blocked([.tankLow]), at: t0)
        _ = waited.queueTimedOut(after: 600, at: t0 + 600)
        #expect(waited.status == .aborted && waited.abortCause == .interlock(.tankLow))
        #expect(waited.tankLowRetry(at: t0 + 601) == nil)
    }
}
