import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// Two sites of one tenant: a scope of one sees and writes nothing of the other, through the repository and
    /// through raw SQL as harvestry_service.
    @Test func irrigationRowLevelSecurityConfinesEachSite() async throws {
        try await withMigratedDatabase { db in
            let a = try await IrrigationFixture.make(in: db, site: 0)
            let b = try await IrrigationFixture.make(in: db, tenant: a.tenant, site: 1)
            let command = a.command()
            let run = try await a.irrigation.createRun(a.newRun(), commands: [command], in: a.scope, audit: .none)
            try await a.irrigation.recordInterlockEvents(
                [
                    InterlockEvent(
                        groupID: a.group.id,
                        runID: run.id,
                        kind: .blocked,
                        reason: .co2ExhaustLockout,
                        at: IrrigationFixture.t0,
                        detail: "CO2 exhaust lockout active"
                    )
                ],
                in: a.scope,
                audit: .none
            )
            // Site B's scope: A's rows are not there.
            await #expect(throws: DomainError.self) { try await b.irrigation.group(a.group.id, in: b.scope) }
            await #expect(throws: DomainError.self) { try await b.irrigation.program(a.program.id, in: b.scope) }
            await #expect(throws: DomainError.self) { try await b.irrigation.run(run.id, in: b.scope) }
            await #expect(throws: DomainError.self) { try await b.irrigation.command(command.id, in: b.scope) }
            #expect(
                try await b.irrigation.listInterlockEvents(groupID: a.group.id, in: b.scope, page: .first).items == []
            )
            // An ack reported for site B cannot reach A's command.
            await #expect(throws: DomainError.self) {
                try await b.irrigation.recordAck(
                    commandID: command.id,
                    siteID: b.site,
                    stage: .executed,
                    reason: nil,
                    at: IrrigationFixture.t0
                )
            }
            // A run of A's program from B's scope: the program is invisible.
            let foreign = await #expect(throws: DomainError.self) {
                try await b.irrigation.createRun(a.newRun(), commands: [], in: b.scope, audit: .none)
            }
            #expect(foreign?.code == .notFound)

            let tables = [
                "irrigation_groups", "irrigation_group_valves", "irrigation_programs", "irrigation_program_steps",
                "irrigation_runs", "irrigation_step_runs", "interlock_events", "device_commands",
            ]
            try await db.service.transaction { connection in
                try await connection.setScope(b.scope)
                for table in tables {
                    let n = try await connection.query(
                        "SELECT count(*) AS n FROM \(table) WHERE site_id = $1::uuid",
                        [SQLValue(a.site)]
                    )[0].decode("n", as: Int.self)
                    #expect(n == 0, "\(table): site A rows visible in site B's scope")
                }
                let mine = try await connection.query("SELECT count(*) AS n FROM irrigation_groups")[0]
                #expect(try mine.decode("n", as: Int.self) == 1)
            }
            // Writes into A's site under B's scope are refused by the policy.
            let write = await #expect(throws: PostgresError.self) {
                try await db.service.transaction { connection in
                    try await connection.setScope(b.scope)
                    try await connection.query(
                        "INSERT INTO irrigation_groups (id, site_id, name) VALUES (gen_random_uuid(), $1::uuid, 'x')",
                        [SQLValue(a.site)]
                    )
                }
            }
            #expect(write?.sqlState == "42501")
            let update = try await db.service.transaction { connection in
                try await connection.setScope(b.scope)
                return try await connection.query(
                    "UPDATE device_commands SET status = 'EXECUTED' WHERE id = $1::uuid RETURNING id",
                    [SQLValue(command.id)]
                ).count
            }
            #expect(update == 0)
            #expect(try await a.irrigation.command(command.id, in: a.scope).command.status == .queued)
            // Interlock events are a log: the service cannot change them.
            let rewrite = await #expect(throws: PostgresError.self) {
                try await db.service.transaction { connection in
                    try await connection.setScope(a.scope)
                    try await connection.query("UPDATE interlock_events SET detail = 'edited'")
                }
            }
            #expect(rewrite?.sqlState == "42501")
        }
    }
}
