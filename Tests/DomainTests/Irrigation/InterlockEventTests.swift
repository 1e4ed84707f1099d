import Domain
import Foundation
import Testing

@Suite("Interlock events (interlock_events rows)")
struct InterlockEventTests {
    let group = Fixture.id(300)
    let run = RunWatch(runID: Fixture.id(900), startedAt: Fixture.now - 60, maxRuntime: 600, zones: [Fixture.id(1)])

    @Test("a blocked start records each reason with its values; a cap-only block is QUEUED")
    func startEvents() {
        var snapshot = Fixture.healthy()
        snapshot.tankLevel = Timed(12, at: Fixture.now)
        snapshot.ec = Timed(1.8, at: Fixture.now - 90)
        let decision = Fixture.evaluator.mayStart(StartRequest(valves: [Fixture.std(1)]), in: snapshot)
        let events = Fixture.evaluator.events(for: decision, group: group, run: nil, in: snapshot)
        #expect(events.map(\.kind) == [.blocked, .blocked])
        #expect(events.map(\.reason) == [.staleReading, .tankLow])
        #expect(events.map(\.detail) == ["no reading within 60 s for ec", "tank level 12.00 % is below 15.00 %"])

        var full = Fixture.healthy()
        full.openValves = [Fixture.open(Fixture.hl(50), since: 5)]
        let capped = Fixture.evaluator.mayStart(StartRequest(valves: [Fixture.hl(1)]), in: full)
        #expect(Fixture.evaluator.events(for: capped, group: group, run: nil, in: full).map(\.kind) == [.queued])
        #expect(Fixture.evaluator.events(for: .allowed, group: group, run: nil, in: full).isEmpty)
    }

    @Test("a shut-off records the stop and the latch; clearing records who and why")
    func runEvents() throws {
        var snapshot = Fixture.healthy()
        snapshot.door = Timed(.open, at: Fixture.now)
        let decision = Fixture.evaluator.duringRun(run, in: snapshot)
        let events = Fixture.evaluator.events(for: decision, group: group, run: run.runID, in: snapshot)
        #expect(events.map(\.kind) == [.shutOff, .latched])
        #expect(events.allSatisfy { $0.reason == .doorOpen && $0.runID == run.runID })
        #expect(events.first?.detail == "door open")

        guard case .shutOff(_, _, var lockouts) = decision else {
            Issue.record("expected a shut-off")
            return
        }
        let cleared = try lockouts.clear(
            .doorOpen,
            by: Fixture.id(77),
            note: "door closed, area checked",
            snapshot: Fixture.healthy(),
            policy: Fixture.policy
        )
        let event = try #require(cleared.first).event(group: group)
        #expect(event.kind == .cleared)
        #expect(event.actorID == Fixture.id(77))
        #expect(event.detail == "door closed, area checked")
    }
}
