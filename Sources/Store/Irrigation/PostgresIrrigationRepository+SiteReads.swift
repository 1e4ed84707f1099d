import Domain
import Foundation

/// IrrigationService's site-wide listings: programs, schedules, runs (by statuses and program), interlock events,
/// lockouts and device commands. Pages are keyset pages over stable orders.
extension PostgresIrrigationRepository {
    public func listPrograms(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationProgram> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { connection in
                let ids = try await connection.query(
                    """
                    SELECT id FROM irrigation_programs
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                var programs: [IrrigationProgram] = []
                for row in ids { programs.append(try await Self.fetchProgram(try row.decode("id"), connection)) }
                return PageCursor.page(programs, size: page.size) { [$0.id.lowercasedText] }
            }
        }
    }

    public func listSchedules(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationSchedule> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.scheduleColumns) FROM irrigation_schedules
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                return PageCursor.page(try rows.map(Self.decodeSchedule), size: page.size) { [$0.id.lowercasedText] }
            }
        }
    }

    public func listRuns(
        siteID: UUID,
        filter: RunFilter,
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
                    WHERE site_id = $1::uuid AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
                      AND ($3::uuid IS NULL OR program_id = $3::uuid)
                      AND ($4::uuid IS NULL OR (requested_at, id) < ($5::timestamptz, $4::uuid))
                    ORDER BY requested_at DESC, id DESC LIMIT $6
                    """,
                    [
                        SQLValue(siteID), SQLValue(Self.textArray(filter.statuses.map(\.rawValue))),
                        SQLValue(filter.programID), SQLValue(afterID), SQLValue(after?[0]), SQLValue(page.size + 1),
                    ]
                )
                var runs: [IrrigationRun] = []
                for row in ids { runs.append(try await Self.fetchRun(try row.decode("id"), connection)) }
                return PageCursor.page(runs, size: page.size) {
                    [TimestampText.format($0.requestedAt), $0.id.lowercasedText]
                }
            }
        }
    }

    public func listInterlockEvents(
        siteID: UUID,
        runID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<StoredInterlockEvent> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterID = try after.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "interlock event", table: "interlock_events") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.interlockEventColumns) FROM interlock_events
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR run_id = $2::uuid)
                      AND ($3::uuid IS NULL OR (occurred_at, id) < ($4::timestamptz, $3::uuid))
                    ORDER BY occurred_at DESC, id DESC LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(runID), SQLValue(afterID), SQLValue(after?[0]),
                        SQLValue(page.size + 1),
                    ]
                )
                return PageCursor.page(try rows.map(Self.decodeInterlockEvent), size: page.size) {
                    [TimestampText.format($0.event.at), $0.id.lowercasedText]
                }
            }
        }
    }

    /// A lockout is a LATCHED event with no CLEARED event of the same group and reason recorded after it. "After" is
    /// the database's `recorded_at` (then id), never `occurred_at`: instances' clocks may disagree.
    public func listLockouts(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<StoredLockout>
    {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterID = try after.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "lockout", table: "interlock_events") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.interlockEventColumns) FROM interlock_events l
                    WHERE l.site_id = $1::uuid AND l.kind = 'LATCHED'
                      AND NOT EXISTS (
                          SELECT 1 FROM interlock_events c
                          WHERE c.group_id = l.group_id AND c.reason = l.reason AND c.kind = 'CLEARED'
                            AND (c.recorded_at, c.id) > (l.recorded_at, l.id)
                      )
                      AND ($2::uuid IS NULL OR (l.occurred_at, l.id) > ($3::timestamptz, $2::uuid))
                    ORDER BY l.occurred_at, l.id LIMIT $4
                    """,
                    [SQLValue(siteID), SQLValue(afterID), SQLValue(after?[0]), SQLValue(page.size + 1)]
                )
                let lockouts = try rows.map(Self.decodeInterlockEvent).map { stored in
                    StoredLockout(
                        id: stored.id,
                        siteID: stored.siteID,
                        groupID: stored.event.groupID,
                        lockout: Lockout(reason: stored.event.reason, since: stored.event.at, runID: stored.event.runID)
                    )
                }
                return PageCursor.page(lockouts, size: page.size) {
                    [TimestampText.format($0.lockout.since), $0.id.lowercasedText]
                }
            }
        }
    }

    public func listCommands(
        siteID: UUID,
        runID: UUID?,
        statuses: Set<CommandStatus>,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<StoredCommand> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterID = try after.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.commandColumns) FROM device_commands
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR run_id = $2::uuid)
                      AND ($3::text[] IS NULL OR status = ANY ($3::text[]))
                      AND ($4::uuid IS NULL OR (created_at, id) < ($5::timestamptz, $4::uuid))
                    ORDER BY created_at DESC, id DESC LIMIT $6
                    """,
                    [
                        SQLValue(siteID), SQLValue(runID), SQLValue(Self.textArray(statuses.map(\.rawValue))),
                        SQLValue(afterID), SQLValue(after?[0]), SQLValue(page.size + 1),
                    ]
                )
                return PageCursor.page(try rows.map(Self.decodeCommand), size: page.size) {
                    [TimestampText.format($0.command.createdAt), $0.command.id.lowercasedText]
                }
            }
        }
    }

    static let interlockEventColumns = "id, site_id, group_id, run_id, kind, reason, occurred_at, detail, actor_id"

    static func decodeInterlockEvent(_ row: PostgresRow) throws -> StoredInterlockEvent {
        StoredInterlockEvent(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            event: InterlockEvent(
                groupID: try row.decode("group_id"),
                runID: try row.decode("run_id"),
                kind: try row.decodeEnum("kind"),
                reason: try row.decodeEnum("reason"),
                at: try row.decode("occurred_at"),
                detail: try row.decode("detail"),
                actorID: try row.decode("actor_id")
            )
        )
    }

    /// A Postgres text array of plain words (enum names), or nil for none (no filter).
    static func textArray(_ values: [String]) -> String? {
        values.isEmpty ? nil : "{" + values.sorted().joined(separator: ",") + "}"
    }
}
