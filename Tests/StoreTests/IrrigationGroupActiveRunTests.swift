import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    /// A live run's closes go to the group's stored valves: while one is unfinished, no zone's valve may move.
    @Test(arguments: [RunStatus.queued, .awaitingApproval])
    func irrigationGroupUpdateRefusesMovingValvesUnderAnActiveRun(status: RunStatus) async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            var run = f.newRun()
            if status == .awaitingApproval {
                run = IrrigationRun(
                    program: f.program,
                    requestedBy: f.tenant.adminID,
                    requestedAt: IrrigationFixture.t0,
                    manualApproval: true
                )
            }
            let live = try await f.irrigation.createRun(run, commands: [], in: f.scope, audit: .none)
            #expect(live.status == status)

            // Zone 1 re-pointed at valve 0: refused, naming the run; nothing changes.
            var moved = f.group
            moved.valves[1].deviceID = f.valves[0]
            let refused = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateGroup(moved, in: f.scope, audit: .none)
            }
            #expect(refused?.code == .failedPrecondition)
            #expect(refused?.reason == "GROUP_HAS_ACTIVE_RUN")
            #expect(refused?.metadata["run_id"] == live.id.uuidString.lowercased())
            #expect(refused?.metadata["zone_id"] == f.zones[1].uuidString.lowercased())
            #expect(try await f.irrigation.group(f.group.id, in: f.scope) == f.group)

            // A rename and a new order keep every zone's valve: allowed while the run is live.
            var renamed = f.group
            renamed.name = "Flower drip (renamed)"
            renamed.valves.reverse()
            #expect(try await f.irrigation.updateGroup(renamed, in: f.scope, audit: .none) == renamed)
        }
    }

    /// The lock that closes the race: while an update holds the group row (`FOR UPDATE`), a starting run waits for
    /// it (`createRun` takes the row `FOR SHARE`), so the update's check cannot miss a run that starts meanwhile.
    @Test func irrigationRunStartWaitsForAGroupUpdateHoldingTheGroup() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let start = try await db.owner.transaction { holder in
                try await holder.query(
                    "SELECT 1 FROM irrigation_groups WHERE id = $1::uuid FOR UPDATE",
                    [SQLValue(f.group.id)]
                )
                let start = Task { try await f.irrigation.createRun(f.newRun(), commands: [], in: f.scope, audit: .none) }
                var waiting = false
                for _ in 0..<200 {  // bounded: about 5 s at most
                    let locks = try await holder.query("SELECT count(*) AS n FROM pg_locks WHERE NOT granted")
                    if try locks[0].decode("n", as: Int.self) > 0 {
                        waiting = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(waiting, "createRun did not wait for the group row")
                let runs = try await holder.query(
                    "SELECT count(*) AS n FROM irrigation_runs WHERE group_id = $1::uuid",
                    [SQLValue(f.group.id)]
                )
                #expect(try runs[0].decode("n", as: Int.self) == 0)
                return start
            }
            let run = try await start.value
            #expect(run.status == .queued)
        }
    }
}
