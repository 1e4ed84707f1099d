import Domain
import Foundation

extension PostgresIrrigationRepository {
    public func createRun(
        _ run: IrrigationRun,
        commands: [DeviceCommand],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        guard run.status == .queued || run.status == .awaitingApproval else {
            throw DomainError.invalid(
                "run.status",
                "a new run is Queued or AwaitingApproval (got \(run.status.rawValue))"
            )
        }
        try Self.validate(commands)
        try audit.validate()
        return try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { connection in
                // Serializes with updateGroup (FOR UPDATE): a group's valves do not move under a starting run.
                try await connection.query(
                    "SELECT 1 FROM irrigation_groups WHERE id = $1::uuid FOR SHARE",
                    [SQLValue(run.groupID)]
                )
                let inserted = try await connection.query(
                    """
                    INSERT INTO irrigation_runs (id, site_id, program_id, group_id, requested_by, requested_at, status)
                    SELECT $1::uuid, p.site_id, p.id, p.group_id, $4::uuid, $5::timestamptz, $6
                    FROM irrigation_programs p WHERE p.id = $2::uuid AND p.group_id = $3::uuid
                    RETURNING site_id
                    """,
                    [
                        SQLValue(run.id), SQLValue(run.programID), SQLValue(run.groupID), SQLValue(run.requestedBy),
                        SQLValue(run.requestedAt), SQLValue(run.status.rawValue),
                    ]
                )
                guard let site = try inserted.first?.decode("site_id", as: UUID.self) else {
                    throw DomainError.notFound("program", id: run.programID.uuidString.lowercased())
                }
                try await Self.writeState(run, site: site, connection)
                try await Self.enqueue(commands, run: run.id, site: site, connection)
                try await connection.audit(
                    "irrigation_run.create",
                    resourceType: "irrigation_run",
                    resourceID: run.id.uuidString.lowercased(),
                    siteID: site,
                    details: [
                        "program_id": run.programID.uuidString.lowercased(), "status": run.status.rawValue,
                        "commands": String(commands.count),
                    ],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchRun(run.id, connection)
            }
        }
    }

    public func saveRun(
        _ run: IrrigationRun,
        commands: [DeviceCommand],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try Self.validate(commands)
        try audit.validate()
        try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { connection in
                let current = try await connection.query(
                    "SELECT site_id, status FROM irrigation_runs WHERE id = $1::uuid FOR UPDATE",
                    [SQLValue(run.id)]
                )
                guard let row = current.first else {
                    throw DomainError.notFound("run", id: run.id.uuidString.lowercased())
                }
                let site: UUID = try row.decode("site_id")
                let stored: RunStatus = try row.decodeEnum("status")
                guard !stored.isFinished else {
                    throw DomainError(
                        code: .failedPrecondition,
                        message: "run \(run.id) is \(stored.rawValue): it can no longer change",
                        reason: "RUN_FINISHED",
                        metadata: ["run_id": run.id.uuidString.lowercased(), "status": stored.rawValue]
                    )
                }
                try await Self.writeState(run, site: site, connection)
                try await Self.enqueue(commands, run: run.id, site: site, connection)
                try await connection.audit(
                    "irrigation_run.update",
                    resourceType: "irrigation_run",
                    resourceID: run.id.uuidString.lowercased(),
                    siteID: site,
                    details: [
                        "from": stored.rawValue, "status": run.status.rawValue, "commands": String(commands.count),
                    ],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    public func run(_ id: UUID, in scope: AccessScope) async throws -> IrrigationRun {
        try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { try await Self.fetchRun(id, $0) }
        }
    }

    public func listRuns(
        siteID: UUID,
        status: RunStatus?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationRun> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterID = try after.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { connection in
                let ids = try await connection.query(
                    """
                    SELECT id FROM irrigation_runs
                    WHERE site_id = $1::uuid AND ($2::text IS NULL OR status = $2)
                      AND ($3::uuid IS NULL OR (requested_at, id) < ($4::timestamptz, $3::uuid))
                    ORDER BY requested_at DESC, id DESC LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(status?.rawValue), SQLValue(afterID), SQLValue(after?[0]),
                        SQLValue(page.size + 1),
                    ]
                )
                var runs: [IrrigationRun] = []
                for row in ids { runs.append(try await Self.fetchRun(try row.decode("id"), connection)) }
                return PageCursor.page(runs, size: page.size) {
                    [TimestampText.format($0.requestedAt), $0.id.uuidString.lowercased()]
                }
            }
        }
    }

    static func validate(_ commands: [DeviceCommand]) throws {
        for command in commands {
            try command.validate()
            guard command.status == .queued else {
                throw DomainError.invalid("command.status", "a new command is QUEUED (got \(command.status.rawValue))")
            }
        }
    }

    static func fetchRun(_ id: UUID, _ connection: PostgresConnection) async throws -> IrrigationRun {
        let rows = try await connection.query(
            "SELECT \(IrrigationRows.runColumns) FROM irrigation_runs WHERE id = $1::uuid",
            [SQLValue(id)]
        )
        guard let row = rows.first else { throw DomainError.notFound("run", id: id.uuidString.lowercased()) }
        let steps = try await connection.query(
            "SELECT position, zone_id, status, opened_at, closed_at FROM irrigation_step_runs WHERE run_id = $1::uuid "
                + "ORDER BY position",
            [SQLValue(id)]
        )
        return try IrrigationRows.decodeRun(row, steps: try steps.map(IrrigationRows.decodeStep))
    }

    /// The run's progress columns and its step runs.
    static func writeState(_ run: IrrigationRun, site: UUID, _ connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE irrigation_runs SET \(IrrigationRows.runStateSQL) WHERE id = $1::uuid",
            IrrigationRows.stateBinds(run)
        )
        for step in run.steps {
            try await connection.query(
                """
                INSERT INTO irrigation_step_runs (run_id, site_id, position, zone_id, status, opened_at, closed_at)
                VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6::timestamptz, $7::timestamptz)
                ON CONFLICT (run_id, position) DO UPDATE
                SET status = EXCLUDED.status, opened_at = EXCLUDED.opened_at, closed_at = EXCLUDED.closed_at
                """,
                [
                    SQLValue(run.id), SQLValue(site), SQLValue(step.index), SQLValue(step.zoneID),
                    SQLValue(step.status.rawValue), SQLValue(step.openedAt), SQLValue(step.closedAt),
                ]
            )
        }
    }
}
