import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// The outbox write is atomic with the run: a command that cannot be stored takes the run with it.
    @Test func irrigationRunAndItsCommandsAreWrittenTogetherOrNotAtAll() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            let good = f.command(0, key: "k-1")
            let failures: [[DeviceCommand]] = [
                [good, f.command(0, key: "k-1")],  // the same key twice for one device
                [good, other.command(0)],  // a device of another site
            ]
            for commands in failures {
                let run = f.newRun()
                await #expect(throws: DomainError.self) {
                    try await f.irrigation.createRun(run, commands: commands, in: f.scope, audit: .none)
                }
                await #expect(throws: DomainError.self) { try await f.irrigation.run(run.id, in: f.scope) }
                await #expect(throws: DomainError.self) { try await f.irrigation.command(good.id, in: f.scope) }
            }
            let none = try await f.irrigation.listRuns(siteID: f.site, status: nil, in: f.scope, page: .first)
            #expect(none.items.isEmpty)

            // Stored together; the run comes back as it went in, its steps stored as step runs.
            let run = f.newRun()
            let created = try await f.irrigation.createRun(run, commands: [good], in: f.scope, audit: .none)
            #expect(created == run)
            #expect(try await f.irrigation.command(good.id, in: f.scope).runID == run.id)
            let audit = try await db.owner.query(
                "SELECT count(*) AS n FROM audit_logs WHERE action = 'irrigation_run.create' AND resource_id = $1",
                [SQLValue(run.id.uuidString.lowercased())]
            )
            #expect(try audit[0].decode("n", as: Int.self) == 1)

            // Progress and an operator abort are saved; a finished run no longer changes.
            var running = created
            let actions = try running.startStep(.allowed, at: IrrigationFixture.t0.addingTimeInterval(1))
            guard case .command(let action, let zone, let key) = actions.first else {
                Issue.record("startStep issued \(actions)")
                return
            }
            var open = f.command(0, key: key)
            open.action = action
            open.zoneID = zone
            try await f.irrigation.saveRun(running, commands: [open], in: f.scope, audit: .none)
            #expect(try await f.irrigation.run(run.id, in: f.scope) == running)
            let listed = try await f.irrigation.listRuns(siteID: f.site, status: .running, in: f.scope, page: .first)
            #expect(listed.items.map(\.id) == [run.id])
            _ = try running.abort(by: f.tenant.adminID, reason: "leak", at: IrrigationFixture.t0.addingTimeInterval(2))
            try await f.irrigation.saveRun(running, commands: [], in: f.scope, audit: .none)
            let aborting = try await f.irrigation.run(run.id, in: f.scope)
            #expect(aborting == running)
            #expect(aborting.abortCause == .operatorRequest(by: f.tenant.adminID, reason: "leak"))
            #expect(aborting.pendingCloses == running.pendingCloses && !aborting.pendingCloses.isEmpty)

            var queued = f.newRun()
            _ = try await f.irrigation.createRun(queued, commands: [], in: f.scope, audit: .none)
            _ = try queued.abort(by: f.tenant.adminID, reason: "not today", at: IrrigationFixture.t0)
            try await f.irrigation.saveRun(queued, commands: [], in: f.scope, audit: .none)
            #expect(try await f.irrigation.run(queued.id, in: f.scope).status == .aborted)
            let finished = await #expect(throws: DomainError.self) {
                try await f.irrigation.saveRun(queued, commands: [], in: f.scope, audit: .none)
            }
            #expect(finished?.reason == "RUN_FINISHED")
        }
    }

    /// Two dispatchers draining one outbox at the same time: every command is claimed exactly once.
    @Test func irrigationConcurrentClaimersNeverClaimTheSameCommand() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let commands = (0..<300).map { f.command($0 % 2, key: "c-\($0)") }
            _ = try await f.irrigation.createRun(f.newRun(), commands: commands, in: f.scope, audit: .none)
            let now = IrrigationFixture.t0.addingTimeInterval(1)
            let started = ContinuousClock.now
            let claims = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let repository = PostgresIrrigationRepository(client: db.service)
                        var mine: [UUID] = []
                        // At most 300 claims each; both stop when the outbox is drained.
                        for _ in 0..<300 {
                            let claim = try await repository.claimDueCommands(limit: 7, now: now)
                            #expect(claim.finished.isEmpty)
                            if claim.publish.isEmpty { break }
                            mine += claim.publish.map(\.command.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [[UUID]]()) { $0.append($1) }
            }
            // A measurement for the log, not an assertion.
            print(
                "irrigation claim: \(commands.count) commands by 2 claimers (7 per claim, \(claims.map(\.count)) each)",
                "in \(ContinuousClock.now - started)"
            )
            let all = claims.flatMap { $0 }
            #expect(all.count == commands.count)
            #expect(Set(all) == Set(commands.map(\.id)))
            #expect(Set(claims[0]).intersection(claims[1]).count == 0, "claimed by both dispatchers")
            let states = try await db.owner.query(
                "SELECT status, attempts, count(*) AS n FROM device_commands GROUP BY status, attempts"
            )
            #expect(states.count == 1)
            #expect(try states[0].decode("status", as: String.self) == "SENT")
            #expect(try states[0].decode("attempts", as: Int.self) == 1)
            #expect(try await f.irrigation.claimDueCommands(limit: 10, now: now) == CommandClaim())
            // The claim's shape can use the partial index on live commands (the planner's choice on a big table).
            let plan = try await db.owner.transaction { connection in
                try await connection.query("SET LOCAL enable_seqscan = off")
                return try await connection.query(
                    """
                    EXPLAIN SELECT id FROM device_commands WHERE next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT 10 FOR UPDATE SKIP LOCKED
                    """
                ).map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
            }
            #expect(plan.contains("device_commands_due_idx"), "\(plan)")
        }
    }

    @Test func irrigationAcksFollowTheLifecycleAndADuplicateChangesNothing() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let command = f.command()
            _ = try await f.irrigation.createRun(f.newRun(), commands: [command], in: f.scope, audit: .none)
            let t0 = IrrigationFixture.t0
            let claim = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(1))
            #expect(claim.publish.map(\.command.id) == [command.id])
            #expect(claim.publish.first?.command.status == .sent)

            func ack(_ stage: CommandAck, _ seconds: TimeInterval, _ reason: String? = nil) async throws -> AckOutcome {
                try await f.irrigation.recordAck(
                    commandID: command.id,
                    siteID: f.site,
                    stage: stage,
                    reason: reason,
                    at: t0.addingTimeInterval(seconds)
                )
            }
            #expect(try await ack(.received, 2).step == .moved(from: .sent, to: .received))
            let afterReceived = try await f.irrigation.command(command.id, in: f.scope)
            let repeated = try await ack(.received, 3)
            guard case .ignored = repeated.step else {
                Issue.record("a repeated receipt moved the command: \(repeated.step)")
                return
            }
            #expect(try await f.irrigation.command(command.id, in: f.scope) == afterReceived)
            #expect(try await ack(.executed, 4, "valve open").step == .moved(from: .received, to: .executed))
            let done = try await f.irrigation.command(command.id, in: f.scope)
            #expect(done.command.status == .executed && done.ackReason == "valve open")
            #expect(done.command.finishedAt == t0.addingTimeInterval(4))
            // A late rejection after the result, and a repeated result: ignored, the row unchanged.
            for stage in [CommandAck.rejected, .executed] {
                guard case .ignored = try await ack(stage, 5).step else {
                    Issue.record("\(stage) after EXECUTED was applied")
                    return
                }
            }
            #expect(try await f.irrigation.command(command.id, in: f.scope) == done)
            // A finished command is never claimed again.
            #expect(
                try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(100)) == CommandClaim()
            )
            let unknown = await #expect(throws: DomainError.self) {
                try await f.irrigation.recordAck(
                    commandID: UUID(),
                    siteID: f.site,
                    stage: .executed,
                    reason: nil,
                    at: t0
                )
            }
            #expect(unknown?.code == .notFound)
            let long = await #expect(throws: DomainError.self) {
                try await ack(.rejected, 6, String(repeating: "x", count: 501))
            }
            #expect(long?.violations.first?.field == "ack.reason")
        }
    }

    /// Retries reuse the key until the attempts run out (TIMEOUT); a command past its expiry is EXPIRED, by the
    /// sweep or by a claim, and never published late.
    @Test func irrigationRetriesReuseTheKeyAndExpiredCommandsNeverFire() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let t0 = IrrigationFixture.t0
            let deaf = f.command(0, key: "deaf", expiresIn: 600, ackTimeout: 5, maxAttempts: 2)
            _ = try await f.irrigation.createRun(f.newRun(), commands: [deaf], in: f.scope, audit: .none)

            let first = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(1))
            #expect(first.publish.map(\.command.attempts) == [1])
            // Before the ack deadline (t0 + 6 s) nothing is due.
            #expect(try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(5)) == CommandClaim())
            let retry = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(6.5))
            let again = try #require(retry.publish.first)
            #expect(again.command.id == deaf.id && again.command.idempotencyKey == "deaf")
            #expect(again.command.attempts == 2 && again.command.status == .sent)
            let last = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(12))
            #expect(last.publish.isEmpty)
            #expect(last.finished.map(\.command.status) == [.timeout])
            #expect(try await f.irrigation.command(deaf.id, in: f.scope).command.status == .timeout)

            // Expiry: QUEUED past expiry, by the sweep and by a claim.
            let swept = f.command(0, key: "swept", expiresIn: 10)
            let claimed = f.command(1, key: "claimed", expiresIn: 10)
            _ = try await f.irrigation.createRun(f.newRun(), commands: [swept, claimed], in: f.scope, audit: .none)
            #expect(try await f.irrigation.expireCommands(now: t0.addingTimeInterval(9)).isEmpty)
            let expiry = t0.addingTimeInterval(10)
            let sweep = try await f.irrigation.expireCommands(now: expiry)
            #expect(Set(sweep.map(\.command.id)) == [swept.id, claimed.id])
            #expect(sweep.allSatisfy { $0.command.status == .expired && $0.command.finishedAt == expiry })
            #expect(try await f.irrigation.expireCommands(now: expiry.addingTimeInterval(60)).isEmpty)
            #expect(
                try await f.irrigation.claimDueCommands(limit: 10, now: expiry.addingTimeInterval(60)) == CommandClaim()
            )

            let overdue = f.command(0, key: "overdue", expiresIn: 10)
            _ = try await f.irrigation.createRun(f.newRun(), commands: [overdue], in: f.scope, audit: .none)
            let tooLate = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(20))
            #expect(tooLate.publish.isEmpty)
            #expect(tooLate.finished.map(\.command.status) == [.expired])
        }
    }
}
