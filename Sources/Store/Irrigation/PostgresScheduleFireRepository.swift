import Domain
import Foundation

/// `ScheduleFireRepository` on Postgres (migration 0011). Give it a client that connects as `harvestry_service`.
///
/// Only `harvestry_irrigation_schedule_sites()` looks across sites (SECURITY DEFINER, it returns ids only); every
/// other statement runs under one site's scope with no user, so row-level security holds for the scheduler too.
/// A fire is decided by `INSERT ... ON CONFLICT DO NOTHING` on the primary key `(schedule_id, fire_at)`.
public struct PostgresScheduleFireRepository: ScheduleFireRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func scheduledSites() async throws -> [SiteReference] {
        try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.query(
                "SELECT site_id, organization_id FROM harvestry_irrigation_schedule_sites()"
            ).map {
                SiteReference(siteID: try $0.decode("site_id"), organizationID: try $0.decode("organization_id"))
            }
        }
    }

    public func dueSchedules(at site: SiteReference) async throws -> [ScheduledProgram] {
        try await self.inSite(site) { connection in
            let rows = try await connection.query(
                """
                SELECT \(Self.qualifiedScheduleColumns),
                    greatest(s.fires_after, (SELECT max(f.fire_at) FROM irrigation_schedule_fires f
                                              WHERE f.schedule_id = s.id)) AS since,
                    s.created_by,
                    coalesce(u.status = 'active' AND EXISTS (
                        SELECT 1 FROM user_sites m WHERE m.user_id = u.id AND m.site_id = s.site_id
                    ), false) AS owner_active,
                    coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id),
                        '{}')::text AS owner_roles
                FROM irrigation_schedules s LEFT JOIN users u ON u.id = s.created_by
                WHERE s.site_id = $1::uuid AND s.enabled AND s.trigger_kind = 'time_of_day'
                ORDER BY s.id
                """,
                [SQLValue(site.siteID)]
            )
            return try rows.map { row in
                ScheduledProgram(
                    schedule: try PostgresIrrigationRepository.decodeSchedule(row),
                    site: site,
                    since: try row.decode("since"),
                    owner: try row.decode("created_by"),
                    ownerActive: try row.decode("owner_active"),
                    ownerRoles: Set(try row.decode("owner_roles", as: String.self).arrayElements.map(String.init))
                )
            }
        }
    }

    public func recordSkipped(
        _ fires: [Date],
        of program: ScheduledProgram,
        instance: String,
        now: Date
    ) async throws -> [Date] {
        guard !fires.isEmpty else { return [] }
        return try await self.inSite(program.site) { connection in
            var recorded: [Date] = []
            for fire in fires {
                let rows = try await connection.query(
                    """
                    INSERT INTO irrigation_schedule_fires
                        (schedule_id, site_id, fire_at, outcome, instance, decided_at, finished_at)
                    VALUES ($1::uuid, $2::uuid, $3::timestamptz, 'skipped', $4, $5::timestamptz, $5::timestamptz)
                    ON CONFLICT (schedule_id, fire_at) DO NOTHING RETURNING fire_at
                    """,
                    [
                        SQLValue(program.schedule.id), SQLValue(program.site.siteID), SQLValue(fire),
                        SQLValue(instance), SQLValue(now),
                    ]
                )
                guard !rows.isEmpty else { continue }
                recorded.append(fire)
                try await Self.audit(fire, of: program, outcome: .skipped, instance: instance, connection)
            }
            return recorded
        }
    }

    public func claim(_ fire: Date, of program: ScheduledProgram, instance: String, now: Date) async throws -> Bool {
        try await self.inSite(program.site) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO irrigation_schedule_fires (schedule_id, site_id, fire_at, outcome, instance, decided_at)
                VALUES ($1::uuid, $2::uuid, $3::timestamptz, 'claimed', $4, $5::timestamptz)
                ON CONFLICT (schedule_id, fire_at) DO NOTHING RETURNING fire_at
                """,
                [
                    SQLValue(program.schedule.id), SQLValue(program.site.siteID), SQLValue(fire), SQLValue(instance),
                    SQLValue(now),
                ]
            )
            return !rows.isEmpty
        }
    }

    public func finish(
        _ fire: Date,
        of program: ScheduledProgram,
        outcome: ScheduleFire.Outcome,
        now: Date
    ) async throws {
        let (runID, error): (UUID?, String?) =
            switch outcome {
            case .started(let run): (run, nil)
            case .failed(let error): (nil, String(error.prefix(1000)))
            case .claimed, .skipped:
                throw DomainError.invalid("outcome", "a claimed fire finishes as started or failed")
            }
        try await self.inSite(program.site) { connection in
            let rows = try await connection.query(
                """
                UPDATE irrigation_schedule_fires SET outcome = $3, run_id = $4::uuid, error = $5,
                    finished_at = $6::timestamptz
                WHERE schedule_id = $1::uuid AND fire_at = $2::timestamptz AND outcome = 'claimed'
                RETURNING instance
                """,
                [
                    SQLValue(program.schedule.id), SQLValue(fire), SQLValue(outcome.name), SQLValue(runID),
                    SQLValue(error.map { $0.isEmpty ? "unknown error" : $0 }), SQLValue(now),
                ]
            )
            guard let row = rows.first else {
                throw DomainError(
                    code: .failedPrecondition,
                    message: "fire \(fire) of schedule \(program.schedule.id) is not claimed",
                    reason: "FIRE_NOT_CLAIMED"
                )
            }
            try await Self.audit(fire, of: program, outcome: outcome, instance: try row.decode("instance"), connection)
        }
    }

    public func fires(scheduleID: UUID, in scope: AccessScope, limit: Int) async throws -> [ScheduleFire] {
        guard (1...1_000).contains(limit) else { throw DomainError.invalid("limit", "must be 1 to 1000") }
        return try await mappingErrors(resource: "schedule", table: "irrigation_schedule_fires") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    """
                    SELECT schedule_id, site_id, fire_at, outcome, run_id, error, instance, decided_at
                    FROM irrigation_schedule_fires WHERE schedule_id = $1::uuid ORDER BY fire_at DESC LIMIT $2
                    """,
                    [SQLValue(scheduleID), SQLValue(limit)]
                ).map(Self.decodeFire)
            }
        }
    }

    // MARK: - Internals

    static let qualifiedScheduleColumns =
        "s.id, s.program_id, s.minute_of_day, s.days::text AS days, s.phase, s.time_zone, s.enabled"

    private func inSite<T: Sendable>(
        _ site: SiteReference,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await mappingErrors(resource: "schedule", table: "irrigation_schedule_fires") {
            try await self.client.transaction { connection in
                try await connection.setScope(organizationID: site.organizationID, userID: nil, siteIDs: [site.siteID])
                return try await body(connection)
            }
        }
    }

    /// The scheduler's audit row: no actor (the system decided), on behalf of the schedule's owner.
    private static func audit(
        _ fire: Date,
        of program: ScheduledProgram,
        outcome: ScheduleFire.Outcome,
        instance: String,
        _ connection: PostgresConnection
    ) async throws {
        var details = [
            "actor": "irrigation-scheduler",
            "fire_at": fire.formatted(.iso8601),
            "instance": instance,
            "outcome": outcome.name,
            "program_id": program.schedule.programID.uuidString.lowercased(),
        ]
        if let owner = program.owner { details["on_behalf_of"] = owner.uuidString.lowercased() }
        switch outcome {
        case .started(let run): details["run_id"] = run.uuidString.lowercased()
        case .failed(let error): details["error"] = String(error.prefix(500))
        case .claimed, .skipped: break
        }
        try await connection.appendAudit(
            AuditEvent(
                organizationID: program.site.organizationID,
                siteID: program.site.siteID,
                actorUserID: nil,
                action: "irrigation_schedule.fire",
                resourceType: "irrigation_schedule",
                resourceID: program.schedule.id.uuidString.lowercased(),
                requestID: nil,
                details: AuditEvent.details(details),
                occurredAtMicros: AuditEvent.nowMicros()
            )
        )
    }

    private static func decodeFire(_ row: PostgresRow) throws -> ScheduleFire {
        let outcome: ScheduleFire.Outcome =
            switch try row.decode("outcome", as: String.self) {
            case "started": .started(runID: try row.decode("run_id"))
            case "failed": .failed(error: try row.decode("error"))
            case "skipped": .skipped
            default: .claimed
            }
        return ScheduleFire(
            scheduleID: try row.decode("schedule_id"),
            siteID: try row.decode("site_id"),
            fireAt: try row.decode("fire_at"),
            outcome: outcome,
            instance: try row.decode("instance"),
            decidedAt: try row.decode("decided_at")
        )
    }
}
