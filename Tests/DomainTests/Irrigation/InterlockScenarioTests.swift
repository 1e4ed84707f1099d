import Domain
import Foundation
import Testing

/// What the evaluator should answer while a run waters.
enum RunExpectation: Sendable, Equatable {
    case `continue`
    case abort(InterlockReason)
    case shutOff(InterlockReason)
}

/// One row of the interlock table as a test: a change to a healthy snapshot, the step asking to open, and the
/// expected answers before start and during a run.
struct InterlockScenario: Sendable, CustomTestStringConvertible {
    var name: String
    var change: @Sendable (inout InterlockSnapshot) -> Void
    var request: StartRequest = StartRequest(valves: [Fixture.std(1)])
    var run: RunWatch = RunWatch(
        runID: Fixture.id(900),
        startedAt: Fixture.now - 60,
        maxRuntime: 600,
        zones: [Fixture.id(1)]
    )
    var start: InterlockReason?
    var reasons: [InterlockReason]? = nil
    var during: RunExpectation
    var policy: InterlockPolicy = Fixture.policy

    var testDescription: String { self.name }
}

extension Date {
    static func - (lhs: Date, rhs: TimeInterval) -> Date { lhs.addingTimeInterval(-rhs) }
}

@Suite("Interlock table (FRP-06), scenario by scenario")
struct InterlockScenarioTests {
    static let old = Fixture.now - 3_600

    static let scenarios: [InterlockScenario] = [
        .init(name: "all inputs safe and fresh: start allowed, run continues", change: { _ in }, during: .continue),
        .init(
            name: "E-STOP open: start blocked ESTOP_OPEN, run shut off and latched",
            change: { $0.eStop = Timed(.open, at: Fixture.now) },
            start: .eStopOpen,
            during: .shutOff(.eStopOpen)
        ),
        .init(
            name: "door open: start blocked DOOR_OPEN, run shut off and latched",
            change: { $0.door = Timed(.open, at: Fixture.now) },
            start: .doorOpen,
            during: .shutOff(.doorOpen)
        ),
        .init(
            name: "E-STOP and door open: E-STOP is reported first, both listed",
            change: {
                $0.eStop = Timed(.open, at: Fixture.now)
                $0.door = Timed(.open, at: Fixture.now)
            },
            start: .eStopOpen,
            reasons: [.eStopOpen, .doorOpen],
            during: .shutOff(.eStopOpen)
        ),
        .init(
            name: "E-STOP last seen open long ago still counts as open (and stale)",
            change: { $0.eStop = Timed(.open, at: old) },
            start: .eStopOpen,
            reasons: [.eStopOpen, .staleReading],
            during: .shutOff(.eStopOpen)
        ),
        .init(
            name: "E-STOP fault latched, loop closed again: still blocked until re-armed",
            change: { $0.lockouts = [Lockout(reason: .eStopOpen, since: old)] },
            start: .eStopOpen,
            during: .shutOff(.eStopOpen)
        ),
        .init(
            name: "tank below threshold: start blocked TANK_LOW, run aborted",
            change: { $0.tankLevel = Timed(14.9, at: Fixture.now) },
            start: .tankLow,
            during: .abort(.tankLow)
        ),
        .init(
            name: "tank exactly at threshold: allowed",
            change: { $0.tankLevel = Timed(15, at: Fixture.now) },
            during: .continue
        ),
        .init(
            name: "EC above bounds: EC_OUT_OF_BOUNDS, run aborted",
            change: { $0.ec = Timed(3.6, at: Fixture.now) },
            start: .ecOutOfBounds,
            during: .abort(.ecOutOfBounds)
        ),
        .init(
            name: "pH below bounds: PH_OUT_OF_BOUNDS, run aborted",
            change: { $0.ph = Timed(5.1, at: Fixture.now) },
            start: .phOutOfBounds,
            during: .abort(.phOutOfBounds)
        ),
        .init(
            name: "EC reading NaN counts as out of bounds",
            change: { $0.ec = Timed(.nan, at: Fixture.now) },
            start: .ecOutOfBounds,
            during: .abort(.ecOutOfBounds)
        ),
        .init(
            name: "EC/pH review hold latched, values back in bounds: starts stay blocked",
            change: { $0.lockouts = [Lockout(reason: .phOutOfBounds, since: old)] },
            start: .phOutOfBounds,
            during: .abort(.phOutOfBounds)
        ),
        .init(
            name: "CO2 exhaust lockout: start blocked, a watering run goes on",
            change: { $0.co2ExhaustLockout = Timed(true, at: Fixture.now) },
            start: .co2ExhaustLockout,
            during: .continue
        ),
        .init(
            name: "max runtime passed: next step blocked, run closed safely",
            change: { _ in },
            request: StartRequest(valves: [Fixture.std(1)], runStartedAt: Fixture.now - 601, maxRuntime: 600),
            run: RunWatch(
                runID: Fixture.id(900),
                startedAt: Fixture.now - 601,
                maxRuntime: 600,
                zones: [Fixture.id(1)]
            ),
            start: .maxRuntimeExceeded,
            during: .abort(.maxRuntimeExceeded)
        ),
        .init(
            name: "max runtime reached to the second counts as exceeded",
            change: { _ in },
            request: StartRequest(valves: [Fixture.std(1)], runStartedAt: Fixture.now - 600, maxRuntime: 600),
            run: RunWatch(
                runID: Fixture.id(900),
                startedAt: Fixture.now - 600,
                maxRuntime: 600,
                zones: [Fixture.id(1)]
            ),
            start: .maxRuntimeExceeded,
            during: .abort(.maxRuntimeExceeded)
        ),
        .init(
            name: "one HL open, a second HL asked: CONCURRENCY_CAP (queued)",
            change: { $0.openValves = [Fixture.open(Fixture.hl(50), since: 30)] },
            request: StartRequest(valves: [Fixture.hl(1)]),
            start: .concurrencyCap,
            during: .continue
        ),
        .init(
            name: "six STD open, a seventh asked: CONCURRENCY_CAP",
            change: { $0.openValves = (50..<56).map { Fixture.open(Fixture.std($0), since: 30) } },
            start: .concurrencyCap,
            during: .continue
        ),
        .init(
            name: "six STD open, an HL asked: allowed (classes have their own budget)",
            change: { $0.openValves = (50..<56).map { Fixture.open(Fixture.std($0), since: 30) } },
            request: StartRequest(valves: [Fixture.hl(1)]),
            during: .continue
        ),
        .init(
            name: "six STD open including the asked zone: allowed (already open counts once)",
            change: { $0.openValves = ([1] + Array(50..<55)).map { Fixture.open(Fixture.std($0), since: 30) } },
            during: .continue
        ),
        .init(
            name: "two HL open, this run's opened last: run aborted CONCURRENCY_CAP",
            change: {
                $0.openValves = [Fixture.open(Fixture.hl(50), since: 30), Fixture.open(Fixture.hl(1), since: 10)]
            },
            request: StartRequest(valves: [Fixture.hl(1)]),
            start: .concurrencyCap,
            during: .abort(.concurrencyCap)
        ),
        .init(
            name: "two HL open, this run's opened first: it keeps its slot",
            change: {
                $0.openValves = [Fixture.open(Fixture.hl(50), since: 10), Fixture.open(Fixture.hl(1), since: 30)]
            },
            request: StartRequest(valves: [Fixture.hl(1)]),
            start: .concurrencyCap,
            during: .continue
        ),
        .init(
            name: "EC reading older than the staleness threshold: STALE_READING",
            change: { $0.ec = Timed(1.8, at: Fixture.now - 61) },
            start: .staleReading,
            during: .abort(.staleReading)
        ),
        .init(
            name: "no tank reading at all: STALE_READING",
            change: { $0.tankLevel = nil },
            start: .staleReading,
            during: .abort(.staleReading)
        ),
        .init(
            name: "reading stamped far in the future is not fresh",
            change: { $0.door = Timed(.closed, at: Fixture.now.addingTimeInterval(120)) },
            start: .staleReading,
            during: .abort(.staleReading)
        ),
        .init(
            name: "pH not required by the policy: a missing pH reading does not block",
            change: { $0.ph = nil },
            during: .continue,
            policy: InterlockPolicy(requiredInputs: [.eStop, .door, .co2Exhaust, .tankLevel, .ec])
        ),
        .init(
            name: "longer staleness threshold: a 5-minute-old reading is fresh",
            change: { $0.ec = Timed(1.8, at: Fixture.now - 300) },
            during: .continue,
            policy: InterlockPolicy(staleAfter: 600)
        ),
        .init(
            name: "tank low and CO2 lockout: abort outranks block, TANK_LOW reported",
            change: {
                $0.tankLevel = Timed(5, at: Fixture.now)
                $0.co2ExhaustLockout = Timed(true, at: Fixture.now)
            },
            start: .tankLow,
            reasons: [.tankLow, .co2ExhaustLockout],
            during: .abort(.tankLow)
        ),
        .init(
            name: "door open, EC out of bounds, cap full: latch outranks abort outranks queue",
            change: {
                $0.door = Timed(.open, at: Fixture.now)
                $0.ec = Timed(9, at: Fixture.now)
                $0.openValves = (50..<56).map { Fixture.open(Fixture.std($0), since: 30) }
            },
            start: .doorOpen,
            reasons: [.doorOpen, .ecOutOfBounds, .concurrencyCap],
            during: .shutOff(.doorOpen)
        ),
    ]

    @Test("interlock scenario", arguments: scenarios)
    func scenario(_ scenario: InterlockScenario) {
        var snapshot = Fixture.healthy()
        scenario.change(&snapshot)
        let evaluator = InterlockEvaluator(policy: scenario.policy)

        let start = evaluator.mayStart(scenario.request, in: snapshot)
        #expect(start.blockReason == scenario.start)
        if let reasons = scenario.reasons, case .blocked(let all) = start { #expect(all == reasons) }

        let during = evaluator.duringRun(scenario.run, in: snapshot)
        switch (during, scenario.during) {
        case (.continue, .continue):
            break
        case (.abort(let reasons, let zones, _), .abort(let expected)):
            #expect(reasons.first == expected)
            #expect(zones == scenario.run.zones)
        case (.shutOff(let reasons, let zones, _), .shutOff(let expected)):
            #expect(reasons.first == expected)
            #expect(zones.isSuperset(of: Set(snapshot.openValves.map(\.zoneID)).union(scenario.run.zones)))
        default:
            Issue.record("during run: got \(during), expected \(scenario.during)")
        }
    }

    @Test("a trip latches E-STOP/door and EC/pH review holds, but not tank, runtime or stale aborts")
    func latching() {
        var snapshot = Fixture.healthy()
        snapshot.door = Timed(.open, at: Fixture.now)
        snapshot.ph = Timed(8, at: Fixture.now)
        snapshot.tankLevel = Timed(1, at: Fixture.now)
        let run = RunWatch(runID: Fixture.id(900), startedAt: Fixture.now - 60, maxRuntime: 600, zones: [Fixture.id(1)])
        guard case .shutOff(_, _, let latch) = Fixture.evaluator.duringRun(run, in: snapshot) else {
            Issue.record("expected a shut-off")
            return
        }
        #expect(latch.map(\.reason) == [.doorOpen, .phOutOfBounds])
        #expect(latch.allSatisfy { $0.runID == run.runID && $0.since == Fixture.now })

        snapshot.lockouts = latch
        guard case .shutOff(_, _, let again) = Fixture.evaluator.duringRun(run, in: snapshot) else {
            Issue.record("expected a shut-off")
            return
        }
        #expect(again.isEmpty, "an existing lockout is not latched twice")
    }

    @Test("shut-off closes every open valve in scope, not only the run's")
    func shutOffScope() {
        var snapshot = Fixture.healthy()
        snapshot.eStop = Timed(.open, at: Fixture.now)
        snapshot.openValves = [Fixture.open(Fixture.std(7), since: 5), Fixture.open(Fixture.hl(8), since: 5)]
        let run = RunWatch(runID: Fixture.id(900), startedAt: Fixture.now - 60, maxRuntime: 600, zones: [Fixture.id(1)])
        let decision = Fixture.evaluator.duringRun(run, in: snapshot)
        guard case .shutOff(_, let zones, _) = decision else {
            Issue.record("expected a shut-off, got \(decision)")
            return
        }
        #expect(zones == [Fixture.id(1), Fixture.id(7), Fixture.id(8)])
    }

    @Test("the reasons' effects and recoveries are the FRP-06 table")
    func table() {
        let rows = InterlockReason.allCases.map { "\($0.rawValue) \($0.effect) \($0.recovery.rawValue)" }
        #expect(
            rows == [
                "ESTOP_OPEN shutOffAndLatch MANUAL_REARM",
                "DOOR_OPEN shutOffAndLatch MANUAL_REARM",
                "STALE_READING abortRun AUTOMATIC",
                "TANK_LOW abortRun AUTOMATIC",
                "EC_OUT_OF_BOUNDS abortRun OPERATOR_REVIEW",
                "PH_OUT_OF_BOUNDS abortRun OPERATOR_REVIEW",
                "MAX_RUNTIME_EXCEEDED abortRun MANUAL_RESTART",
                "CO2_EXHAUST_LOCKOUT blockStart AUTOMATIC",
                "CONCURRENCY_CAP queue AUTOMATIC",
            ]
        )
    }
}
