import Domain
import Foundation
import Testing

@Suite("Alarm delays (tank, EC, pH only)")
struct AlarmDelayTests {
    let run = RunWatch(runID: Fixture.id(900), startedAt: Fixture.now - 60, maxRuntime: 3_600, zones: [Fixture.id(1)])
    let evaluator: InterlockEvaluator = {
        var policy = Fixture.policy
        policy.alarmDelays = [.ecOutOfBounds: 30]
        return InterlockEvaluator(policy: policy)
    }()

    func snapshot(at seconds: TimeInterval, ec: Double) -> InterlockSnapshot {
        var snapshot = Fixture.healthy(at: Fixture.now + seconds)
        snapshot.ec = Timed(ec, at: snapshot.now)
        return snapshot
    }

    @Test("EC out of bounds aborts a run only after lasting its delay; a return inside resets it")
    func delay() {
        var alarms = InterlockAlarms()
        let verdicts = [(0.0, 4.0), (20, 4.0), (25, 1.8), (30, 4.0), (50, 4.0), (60, 4.0)].map { seconds, ec in
            evaluator.duringRun(run, in: snapshot(at: seconds, ec: ec), alarms: &alarms).reason
        }
        #expect(verdicts == [nil, nil, nil, nil, nil, .ecOutOfBounds])
    }

    @Test("starts are blocked at once, delay or not")
    func startNotDelayed() {
        let decision = evaluator.mayStart(StartRequest(valves: [Fixture.std(1)]), in: snapshot(at: 0, ec: 4))
        #expect(decision.blockReason == .ecOutOfBounds)
    }

    @Test("E-STOP, a lockout and staleness act at once even with delays configured")
    func safetyNotDelayed() {
        var alarms = InterlockAlarms()
        var estop = snapshot(at: 0, ec: 4)
        estop.eStop = Timed(.open, at: estop.now)
        #expect(evaluator.duringRun(run, in: estop, alarms: &alarms).reason == .eStopOpen)
        var held = snapshot(at: 1, ec: 1.8)
        held.lockouts = [Lockout(reason: .ecOutOfBounds, since: Fixture.now - 600)]
        #expect(evaluator.duringRun(run, in: held, alarms: &alarms).reason == .ecOutOfBounds)
        var stale = snapshot(at: 2, ec: 1.8)
        stale.tankLevel = nil
        #expect(evaluator.duringRun(run, in: stale, alarms: &alarms).reason == .staleReading)
    }

    @Test("only tank, EC and pH may be delayed, by at most 10 minutes")
    func validation() {
        #expect(throws: DomainError.invalid("policy.alarm_delays.DOOR_OPEN", "acts at once: no delay")) {
            try InterlockPolicy(alarmDelays: [.doorOpen: 5]).validate()
        }
        #expect(throws: DomainError.invalid("policy.alarm_delays.TANK_LOW", "must be 0 to 600 seconds (got 601.0)")) {
            try InterlockPolicy(alarmDelays: [.tankLow: 601]).validate()
        }
        #expect(throws: Never.self) { try InterlockPolicy(alarmDelays: [.phOutOfBounds: 60]).validate() }
    }
}
