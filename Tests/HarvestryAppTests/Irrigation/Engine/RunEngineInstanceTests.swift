import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension DatabaseSuites {
    /// More than one engine: a restarted one reconciles from the store, and two at once advance a run once.
    @Suite struct RunEngineInstanceTests {
        @Test("an ack stored but never reported (the dispatcher died): a new engine's first pass applies it")
        func restartReconciles() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try await f.commands(started.id)[0]
                f.clock.advance(1)
                _ = try await f.irrigation.recordAck(
                    commandID: open.id,
                    siteID: f.site,
                    stage: .executed,
                    reason: nil,
                    at: f.clock.now
                )
                #expect(try await f.run(started.id).steps[0].status == .opening)
                let restarted = RunEngineFixture.engine(f.irrigation, f.clock)
                await restarted.tick(only: [f.site])
                let run = try await f.run(started.id)
                #expect(run.steps[0].status == .watering)
                #expect(run.steps[0].openedAt == f.clock.now)
            }
        }

        @Test("two engines settling and ticking one run at the same time: each settlement applied once, one close")
        func twoEnginesAdvanceOnce() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try await f.commands(started.id)[0]
                f.clock.advance(1)
                let settled = try await f.irrigation.recordAck(
                    commandID: open.id,
                    siteID: f.site,
                    stage: .executed,
                    reason: nil,
                    at: f.clock.now
                ).command
                let engines = [
                    f.engine, RunEngineFixture.engine(f.irrigation, f.clock),
                    RunEngineFixture.engine(f.irrigation, f.clock),
                ]
                await withTaskGroup(of: Void.self) { group in
                    for engine in engines { group.addTask { await engine.commandsSettled([settled]) } }
                }
                let applied = try await f.database.owner.query(
                    "SELECT count(*) AS n FROM irrigation_applied_settlements WHERE run_id = $1::uuid",
                    [SQLValue(started.id)]
                )
                #expect(try applied[0].decode("n", as: Int.self) == 1)
                f.clock.advance(60)
                try await f.controllerReports()
                await withTaskGroup(of: Void.self) { group in
                    for engine in engines { group.addTask { await engine.tick(only: [f.site]) } }
                }
                #expect(try await f.commands(started.id).map(\.action) == [.open, .close])
                #expect(try await f.run(started.id).steps[0].status == .closing)
            }
        }

        @Test(
            "updates(of:) on one instance sees the changes another instance makes",
            .timeLimit(.minutes(1))
        )
        func updatesAcrossInstances() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                var updates = try await f.engine.updates(of: started.id, in: f.scope).makeAsyncIterator()
                #expect(try await updates.next()?.steps[0].status == .watering)
                let other = RunEngineFixture.engine(f.irrigation, f.clock)
                f.clock.advance(1)
                let aborting = try await other.abortRun(
                    started.id,
                    reason: "from the other instance",
                    deadline: .now,
                    in: f.scope,
                    audit: .none
                )
                #expect(aborting.status == .aborting)
                #expect(try await updates.next()?.status == .aborting)
                for close in try await f.commands(started.id) where close.action == .close {
                    let settled = try await f.irrigation.recordAck(
                        commandID: close.id,
                        siteID: f.site,
                        stage: .executed,
                        reason: nil,
                        at: f.clock.now
                    )
                    await other.commandsSettled([settled.command])
                }
                var last: RunStatus?
                while let run = try await updates.next() { last = run.status }
                #expect(last == .aborted)
            }
        }
    }
}
