import Domain
import Foundation
import Testing

@Suite("Irrigation run state machine")
struct RunProgressTests {
    static let group = IrrigationGroup(
        id: Fixture.id(300),
        siteID: Fixture.id(301),
        name: "Flower A",
        valves: [Fixture.std(1), Fixture.std(2)]
    )
    static let program = IrrigationProgram(
        id: Fixture.id(400),
        groupID: group.id,
        name: "Morning shot",
        steps: [
            ProgramStep(zoneID: Fixture.id(1), amount: .duration(60)),
            ProgramStep(zoneID: Fixture.id(2), amount: .volumeLiters(20)),
        ],
        maxRuntime: 600
    )
    let requester = Fixture.id(10)
    let t0 = Fixture.now

    func newRun(approval: Bool = false) -> IrrigationRun {
        IrrigationRun(
            id: Fixture.id(500),
            program: Self.program,
            requestedBy: requester,
            requestedAt: t0,
            manualApproval: approval
        )
    }

    var runKey: String { Fixture.id(500).uuidString.lowercased() }

    @Test("two steps run open -> water -> close in order and the run completes")
    func completes() throws {
        var run = newRun()
        #expect(run.status == .queued)
        #expect(
            try run.startStep(.allowed, at: t0) == [
                .command(.open, zoneID: Fixture.id(1), idempotencyKey: "\(runKey)/step/0/open")
            ]
        )
        #expect(run.status == .running)
        #expect(run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1).isEmpty)
        #expect(run.steps[0].status == .watering)
        #expect(
            try run.stepFinished(at: t0 + 61) == [
                .command(.close, zoneID: Fixture.id(1), idempotencyKey: "\(runKey)/step/0/close")
            ]
        )
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 62) == [
                .readyForStep(1)
            ]
        )
        #expect(
            try run.startStep(.allowed, at: t0 + 62) == [
                .command(.open, zoneID: Fixture.id(2), idempotencyKey: "\(runKey)/step/1/open")
            ]
        )
        _ = run.commandSettled(zoneID: Fixture.id(2), action: .open, status: .executed, at: t0 + 63)
        _ = try run.stepFinished(at: t0 + 120)
        #expect(
            run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 121) == [
                .finished(.completed, at: t0 + 121)
            ]
        )
        #expect(run.status == .completed)
        #expect(run.stoppedAt == t0 + 121)
        #expect(run.steps.map(\.status) == [.done, .done])
    }

    @Test("manual approval: a second person approves; the requester cannot")
    func approval() throws {
        var run = newRun(approval: true)
        #expect(run.status == .awaitingApproval)
        #expect(throws: DomainError.self) { try run.startStep(.allowed, at: t0) }
        let own = try #require(throws: DomainError.self) { try run.approve(by: requester) }
        #expect(own.reason == "APPROVER_IS_REQUESTER")
        #expect(try run.approve(by: Fixture.id(11)) == [.readyForStep(0)])
        #expect(run.status == .queued)
        #expect(run.approvedBy == Fixture.id(11))
        #expect(throws: DomainError.self) { try run.approve(by: Fixture.id(12)) }
    }

    @Test("denial ends the run Aborted without any command")
    func denial() throws {
        var run = newRun(approval: true)
        #expect(try run.deny(by: Fixture.id(11), at: t0 + 5) == [.finished(.aborted, at: t0 + 5)])
        #expect(run.abortCause == .approvalDenied(by: Fixture.id(11)))
    }

    @Test(
        "a queued run waits for conditions that clear by themselves",
        arguments: [InterlockReason.tankLow, .staleReading, .co2ExhaustLockout, .concurrencyCap]
    )
    func queuedWaits(reason: InterlockReason) throws {
        var run = newRun()
        #expect(try run.startStep(.blocked([reason]), at: t0) == [.blocked(reason)])
        #expect(run.status == .queued)
        #expect(run.blockReason == reason)
        #expect(try run.startStep(.allowed, at: t0 + 30).count == 1)
        #expect(run.blockReason == nil)
    }

    @Test(
        "a queued run blocked by a latch, a review hold or the runtime is aborted, so clearing never starts water",
        arguments: [InterlockReason.eStopOpen, .doorOpen, .ecOutOfBounds, .maxRuntimeExceeded]
    )
    func queuedAborts(reason: InterlockReason) throws {
        var run = newRun()
        #expect(try run.startStep(.blocked([reason]), at: t0) == [.blocked(reason), .finished(.aborted, at: t0)])
        #expect(run.status == .aborted)
        #expect(run.abortCause == .interlock(reason))
        #expect(throws: DomainError.self) { try run.startStep(.allowed, at: t0 + 60) }
    }

    @Test("between steps: tank low aborts the run, the cap makes it wait")
    func betweenSteps() throws {
        var waiting = newRun()
        try self.finishFirstStep(&waiting)
        #expect(try waiting.startStep(.blocked([.concurrencyCap]), at: t0 + 70) == [.blocked(.concurrencyCap)])
        #expect(waiting.status == .running)

        var aborting = newRun()
        try self.finishFirstStep(&aborting)
        let actions = try aborting.startStep(.blocked([.tankLow]), at: t0 + 70)
        #expect(actions.first == .blocked(.tankLow))
        #expect(aborting.status == .aborting)
    }

    @Test("a step that is not watering cannot finish; a finished run cannot be aborted")
    func illegal() throws {
        var run = newRun()
        #expect(throws: DomainError.self) { try run.stepFinished(at: t0) }
        _ = try run.abort(by: requester, reason: "not needed", at: t0)
        #expect(run.status == .aborted)
        let error = try #require(throws: DomainError.self) { try run.abort(by: requester, reason: "again", at: t0) }
        #expect(error.reason == "ILLEGAL_RUN_TRANSITION")
        var other = newRun()
        #expect(throws: DomainError.invalid("reason", "must not be empty")) {
            try other.abort(by: requester, reason: "", at: t0)
        }
    }

    @Test("program steps: exactly one of duration and volume, errors name steps[i]")
    func stepValidation() throws {
        #expect(throws: DomainError.invalid("steps[2].duration", "give a duration or a volume")) {
            try ProgramStep.parse(zoneID: Fixture.id(1), duration: nil, volume: nil, index: 2)
        }
        #expect(throws: DomainError.invalid("steps[0].volume", "give a duration or a volume, not both")) {
            try ProgramStep.parse(zoneID: Fixture.id(1), duration: 10, volume: 5, index: 0)
        }
        #expect(throws: DomainError.invalid("steps[1].duration", "must be 1 to 86400 seconds (got 0.0)")) {
            try ProgramStep.parse(zoneID: Fixture.id(1), duration: 0, volume: nil, index: 1)
        }
        #expect(
            try ProgramStep.parse(zoneID: Fixture.id(1), duration: nil, volume: 12.5, index: 0).amount
                == .volumeLiters(12.5)
        )
        try Self.program.validate(in: Self.group)
        var foreign = Self.program
        foreign.steps.append(ProgramStep(zoneID: Fixture.id(99), amount: .duration(10)))
        #expect(throws: DomainError.self) { try foreign.validate(in: Self.group) }
        var short = Self.program
        short.maxRuntime = 30
        #expect(throws: DomainError.invalid("max_runtime", "is shorter than the steps' total duration (60.0 s)")) {
            try short.validate(in: Self.group)
        }
        #expect(throws: DomainError.invalid("group.valves[1].zone_id", "zone \(Fixture.id(1)) is listed twice")) {
            try IrrigationGroup(siteID: Fixture.id(1), name: "G", valves: [Fixture.std(1), Fixture.hl(1)]).validate()
        }
    }

    func finishFirstStep(_ run: inout IrrigationRun) throws {
        _ = try run.startStep(.allowed, at: t0)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1)
        _ = try run.stepFinished(at: t0 + 61)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 62)
    }
}
