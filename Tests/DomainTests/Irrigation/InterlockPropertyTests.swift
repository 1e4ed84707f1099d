import Domain
import Foundation
import TestSupport
import Testing

@Suite("Interlock properties (seeded random snapshots)")
struct InterlockPropertyTests {
    static let trials = 200
    static let stepsPerTrial = 40

    /// A random snapshot around `now`: each input missing, fresh or stale, safe or not; a few lockouts and valves.
    static func randomSnapshot(now: Date, lockouts: [Lockout], using rng: inout SplitMix64) -> InterlockSnapshot {
        func stamp() -> Date {
            let ages: [TimeInterval] = [0, 5, 30, 59, 60, -30, -60, 5, 10, 20, 61, 600, -61]
            return now.addingTimeInterval(
                -ages[Int.random(in: 0..<(Int.random(in: 0..<8, using: &rng) == 0 ? 13 : 10), using: &rng)]
            )
        }
        func maybe<T>(_ make: () -> T) -> T? { Int.random(in: 0..<40, using: &rng) == 0 ? nil : make() }
        let loops: [LoopState] = [.closed, .closed, .closed, .closed, .closed, .closed, .closed, .open]
        let zones = (1...12).shuffled(using: &rng)
        let valves = zones.prefix(Int.random(in: 0...8, using: &rng)).map { zone in
            OpenValve(
                zoneID: Fixture.id(zone),
                loadClass: Int.random(in: 0..<6, using: &rng) == 0 ? .heavyLoad : .standard,
                openSince: now.addingTimeInterval(-Double(Int.random(in: 0...300, using: &rng)))
            )
        }
        return InterlockSnapshot(
            now: now,
            eStop: maybe { Timed(loops.randomElement(using: &rng)!, at: stamp()) },
            door: maybe { Timed(loops.randomElement(using: &rng)!, at: stamp()) },
            co2ExhaustLockout: maybe { Timed(Int.random(in: 0..<10, using: &rng) == 0, at: stamp()) },
            tankLevel: maybe { Timed(Double.random(in: 5...100, using: &rng), at: stamp()) },
            ec: maybe { Timed(Double.random(in: 0.3...3.7, using: &rng), at: stamp()) },
            ph: maybe { Timed(Double.random(in: 5.0...7.0, using: &rng), at: stamp()) },
            lockouts: lockouts,
            openValves: valves
        )
    }

    /// The conditions under which nothing may open, computed here independently of the evaluator.
    static func forbidsActuation(_ s: InterlockSnapshot, request: StartRequest, policy: InterlockPolicy) -> String? {
        if s.eStop?.value == .open { return "E-STOP open" }
        if s.door?.value == .open { return "door open" }
        if !s.lockouts.isEmpty { return "fault latched" }
        if let started = request.runStartedAt, let max = request.maxRuntime, s.now.timeIntervalSince(started) >= max {
            return "past max runtime"
        }
        let stamps = [s.eStop?.at, s.door?.at, s.co2ExhaustLockout?.at, s.tankLevel?.at, s.ec?.at, s.ph?.at]
        if stamps.contains(where: { $0 == nil || abs(s.now.timeIntervalSince($0!)) > policy.staleAfter }) {
            return "stale reading"
        }
        for loadClass in LoadClass.allCases where !request.valves.isEmpty {
            let open = Set(s.openValves.filter { $0.loadClass == loadClass }.map(\.zoneID))
            let asked = Set(request.valves.filter { $0.loadClass == loadClass }.map(\.zoneID))
            if open.union(asked).count > policy.concurrencyCap.limit(loadClass) { return "above the \(loadClass) cap" }
        }
        return nil
    }

    @Test("no sequence of snapshots allows actuation while an interlock forbids it", arguments: [1, 2, 3, 42, 2026])
    func neverAllowsUnsafeActuation(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let policy = Fixture.policy
        let evaluator = InterlockEvaluator(policy: policy)
        var delayedPolicy = policy
        delayedPolicy.alarmDelays = [.tankLow: 60, .ecOutOfBounds: 90, .phOutOfBounds: 30]
        let delayed = InterlockEvaluator(policy: delayedPolicy)
        var allowed = 0
        var forbidden = 0
        for _ in 0..<Self.trials {
            var lockouts: [Lockout] = []
            var alarms = InterlockAlarms()
            let runStart = Fixture.now
            let run = RunWatch(runID: Fixture.id(900), startedAt: runStart, maxRuntime: 1_000, zones: [Fixture.id(1)])
            for step in 0..<Self.stepsPerTrial {
                let now = runStart.addingTimeInterval(Double(step * 30))
                let snapshot = Self.randomSnapshot(now: now, lockouts: lockouts, using: &rng)
                let loadClass: LoadClass = Int.random(in: 0..<4, using: &rng) == 0 ? .heavyLoad : .standard
                let valve = ZoneValve(zoneID: Fixture.id(1), deviceID: Fixture.id(2), loadClass: loadClass)
                let request = StartRequest(valves: [valve], runStartedAt: runStart, maxRuntime: 1_000)

                let start = evaluator.mayStart(request, in: snapshot)
                if let why = Self.forbidsActuation(snapshot, request: request, policy: policy) {
                    forbidden += 1
                    #expect(start != .allowed, "seed \(seed) step \(step): allowed although \(why)")
                } else {
                    allowed += start == .allowed ? 1 : 0
                }

                let during = evaluator.duringRun(run, in: snapshot)
                let latchedBefore = !lockouts.isEmpty
                if snapshot.eStop?.value == .open || snapshot.door?.value == .open || latchedBefore {
                    if case .shutOff = during {
                    } else if latchedBefore, case .abort = during {
                    } else {
                        Issue.record("seed \(seed) step \(step): \(during) with E-STOP/door open or a latch")
                    }
                }
                let unsafe = Self.forbidsActuation(
                    snapshot,
                    request: StartRequest(valves: [], runStartedAt: runStart, maxRuntime: 1_000),
                    policy: policy
                )
                let runValveExcess = snapshot.openValves.contains { mine in
                    mine.zoneID == Fixture.id(1)
                        && snapshot.openValves.filter {
                            $0.loadClass == mine.loadClass && $0.openSince < mine.openSince
                        }
                        .count >= policy.concurrencyCap.limit(mine.loadClass)
                }
                let withDelays = delayed.duringRun(run, in: snapshot, alarms: &alarms)
                if unsafe != nil || runValveExcess {
                    #expect(
                        during != .continue,
                        "seed \(seed) step \(step): run continues although \(unsafe ?? "above the cap")"
                    )
                    #expect(
                        withDelays != .continue,
                        "seed \(seed) step \(step): alarm delays let a run continue although \(unsafe ?? "above the cap")"
                    )
                }
                if !lockouts.isEmpty, Int.random(in: 0..<10, using: &rng) == 0 { lockouts = [] }
                if case .shutOff(_, _, let latch) = during { lockouts += latch }
                if case .abort(_, _, let latch) = during { lockouts += latch }
            }
        }
        // The generator must reach both sides, or the property says nothing.
        #expect(allowed > 50, "seed \(seed): only \(allowed) safe snapshots were allowed")
        #expect(forbidden > 1_000, "seed \(seed): only \(forbidden) unsafe snapshots were generated")
    }

    @Test("once a trip latches, no later snapshot allows a start until an operator clears it")
    func latchHoldsUntilCleared() throws {
        var rng = SplitMix64(seed: 7)
        let evaluator = Fixture.evaluator
        var snapshot = Fixture.healthy()
        snapshot.eStop = Timed(.open, at: Fixture.now)
        let run = RunWatch(runID: Fixture.id(900), startedAt: Fixture.now - 10, maxRuntime: 900, zones: [Fixture.id(1)])
        guard case .shutOff(_, _, let latch) = evaluator.duringRun(run, in: snapshot) else {
            Issue.record("expected a shut-off")
            return
        }
        var lockouts = latch
        for step in 1...200 {
            var later = Fixture.healthy(at: Fixture.now.addingTimeInterval(Double(step)))
            later.lockouts = lockouts
            later.tankLevel = Timed(Double.random(in: 15...100, using: &rng), at: later.now)
            #expect(evaluator.mayStart(StartRequest(valves: [Fixture.std(1)]), in: later).blockReason == .eStopOpen)
        }
        var cleared = Fixture.healthy(at: Fixture.now.addingTimeInterval(300))
        cleared.lockouts = lockouts
        try Fixture.rearmEStop(&lockouts, in: cleared)
        cleared.lockouts = lockouts
        #expect(evaluator.mayStart(StartRequest(valves: [Fixture.std(1)]), in: cleared) == .allowed)
    }
}
