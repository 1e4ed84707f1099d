import Domain
import Foundation

/// The run engine's store: which sites have runs to advance, their live runs and unapplied settlements, and a run
/// changed under its row lock.
extension PostgresIrrigationRepository {
    static let liveStatuses = "('Queued', 'Running', 'Aborting')"

    public func engineSites(among sites: Set<UUID>?) async throws -> [EngineSite] {
        try await mappingErrors(resource: "run", table: "irrigation_runs") {
            let rows = try await self.client.query(
                "SELECT site_id, organization_id FROM harvestry_irrigation_engine_sites($1::uuid[]) ORDER BY site_id",
                [SQLValue(sites.map(IrrigationRows.uuidArray))]
            )
            return try rows.map {
                EngineSite(siteID: try $0.decode("site_id"), organizationID: try $0.decode("organization_id"))
            }
        }
    }

    public func liveRuns(siteID: UUID, in scope: AccessScope) async throws -> [IrrigationRun] {
        try scope.require(site: siteID)
        return try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { connection in
                // Running and Aborting runs first and never limited away (water may be flowing); the limit bites
                // only the Queued ones.
                let ids = try await connection.query(
                    """
                    SELECT id FROM (
                        SELECT id, requested_at, 0 AS tier FROM irrigation_runs
                        WHERE site_id = $1::uuid AND status IN ('Running', 'Aborting')
                        UNION ALL
                        (SELECT id, requested_at, 1 AS tier FROM irrigation_runs
                         WHERE site_id = $1::uuid AND status = 'Queued' ORDER BY requested_at, id LIMIT 1000)
                    ) live ORDER BY tier, requested_at, id
                    """,
                    [SQLValue(siteID)]
                )
                var runs: [IrrigationRun] = []
                for row in ids { runs.append(try await Self.fetchRun(try row.decode("id"), connection)) }
                return runs
            }
        }
    }

    /// Also the late opens (EXECUTED or TIMEOUT) of runs finished within the last hour: each must be closed again.
    public func unappliedSettlements(siteID: UUID, in scope: AccessScope) async throws -> [StoredCommand] {
        try scope.require(site: siteID)
        return try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.commandColumns) FROM device_commands
                    WHERE site_id = $1::uuid AND finished_at IS NOT NULL
                      AND (
                        run_id IN (SELECT id FROM irrigation_runs WHERE site_id = $1::uuid AND status IN ('Running', 'Aborting'))
                        OR (action = 'open' AND status IN ('EXECUTED', 'TIMEOUT') AND run_id IN (
                            SELECT id FROM irrigation_runs WHERE site_id = $1::uuid AND status IN ('Completed', 'Aborted')
                              AND stopped_at > now() - interval '1 hour'
                        ))
                      )
                      AND NOT EXISTS (SELECT 1 FROM irrigation_applied_settlements a WHERE a.command_id = device_commands.id)
                    ORDER BY finished_at, created_at LIMIT 1000
                    """,
                    [SQLValue(siteID)]
                )
                return try rows.map(Self.decodeCommand)
            }
        }
    }

    public func updateRun(
        _ runID: UUID,
        settling commandID: UUID?,
        in scope: AccessScope,
        audit: AuditContext,
        _ transform: @Sendable (IrrigationRun, [OpenValve]) throws -> RunChange?
    ) async throws -> IrrigationRun? {
        try audit.validate()
        return try await mappingErrors(resource: "run", table: "irrigation_runs") {
            try await self.client.transaction(scope: scope) { connection in
                let locked = try await connection.query(
                    "SELECT site_id, group_id FROM irrigation_runs WHERE id = $1::uuid FOR UPDATE",
                    [SQLValue(runID)]
                )
                guard let row = locked.first else {
                    throw DomainError.notFound("run", id: runID.uuidString.lowercased())
                }
                let site: UUID = try row.decode("site_id")
                if let commandID {
                    let marked = try await connection.query(
                        """
                        INSERT INTO irrigation_applied_settlements (command_id, site_id, run_id)
                        VALUES ($1::uuid, $2::uuid, $3::uuid) ON CONFLICT (command_id) DO NOTHING RETURNING command_id
                        """,
                        [SQLValue(commandID), SQLValue(site), SQLValue(runID)]
                    )
                    guard !marked.isEmpty else { return nil }
                }
                // One change at a time per group (any instance), and the group's open valves read under that lock:
                // two runs of a group cannot both open past the cap. Locks are taken run row first, then group.
                let group: UUID = try row.decode("group_id")
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))",
                    [SQLValue("irrigation_group:" + group.uuidString.lowercased())]
                )
                let open = try await Self.fetchOpenValves(group, connection)
                let before = try await Self.fetchRun(runID, connection)
                guard let change = try transform(before, open) else { return nil }
                try await Self.store(change, before: before, site: site, scope: scope, audit: audit, connection)
                return try await Self.fetchRun(runID, connection)
            }
        }
    }

    /// A run that leaves Running (abort, shut-off, completion) must never have an open published again: its opens
    /// still QUEUED or SENT become EXPIRED (no further attempt), in the transaction that changes the run.
    static func expireOpens(run: UUID, _ connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE device_commands SET status = 'EXPIRED', finished_at = now(), next_attempt_at = NULL
            WHERE run_id = $1::uuid AND action = 'open' AND status IN ('QUEUED', 'SENT')
            """,
            [SQLValue(run)]
        )
    }

    /// Writes a run change in the caller's transaction: progress, commands, events, alerts and audit rows.
    static func store(
        _ change: RunChange,
        before: IrrigationRun,
        site: UUID,
        scope: AccessScope,
        audit: AuditContext,
        _ connection: PostgresConnection
    ) async throws {
        guard change.run.id == before.id else { throw DomainError.invalid("run.id", "a change must keep the run's id") }
        try Self.validate(change.commands)
        try Self.validate(change.events)
        let resource = before.id.uuidString.lowercased()
        if change.run != before || !change.commands.isEmpty {
            // A finished run changes no more, except to close a valve whose open was confirmed late.
            guard !before.status.isFinished || change.run.status == before.status else {
                throw DomainError(
                    code: .failedPrecondition,
                    message: "run \(before.id) is \(before.status.rawValue): it can no longer change",
                    reason: "RUN_FINISHED",
                    metadata: ["run_id": resource, "status": before.status.rawValue]
                )
            }
            try await Self.writeState(change.run, site: site, connection)
            if before.status == .running, change.run.status != .running {
                try await Self.expireOpens(run: before.id, connection)
            }
            try await Self.enqueue(change.commands, run: before.id, site: site, connection)
            var details = change.auditDetails
            details["from"] = before.status.rawValue
            details["status"] = change.run.status.rawValue
            details["commands"] = String(change.commands.count)
            if let reason = change.run.blockReason { details["block_reason"] = reason.rawValue }
            try await connection.audit(
                "irrigation_run.update",
                resourceType: "irrigation_run",
                resourceID: resource,
                siteID: site,
                details: details,
                scope: scope,
                context: audit
            )
        }
        try await Self.insert(change.events, scope: scope, audit: audit, connection)
        for alert in change.alerts {
            var details = ["code": alert.code, "detail": String(alert.detail.prefix(500))]
            if let zone = alert.zoneID { details["zone_id"] = zone.uuidString.lowercased() }
            try await connection.audit(
                "irrigation_run.alert",
                resourceType: "irrigation_run",
                resourceID: resource,
                siteID: site,
                details: details,
                scope: scope,
                context: audit
            )
        }
    }
}
