import Domain
import Foundation

/// `PhaseFireRepository` on Postgres (migration 0014). Give it a client that connects as `harvestry_service`.
///
/// Only `harvestry_irrigation_phase_change_sites(interval)` looks across sites (SECURITY DEFINER, ids only); every
/// other statement runs under one site's scope with no user. A (phase change, schedule) pair is decided by
/// `INSERT ... ON CONFLICT DO NOTHING` on the primary key of `irrigation_phase_fires`.
public struct PostgresPhaseFireRepository: PhaseFireRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func phaseChangeSites(lookBack: TimeInterval) async throws -> [SiteReference] {
        try await mappingErrors(resource: "schedule", table: "batch_phase_changes") {
            try await self.client.query(
                """
                SELECT site_id, organization_id
                FROM harvestry_irrigation_phase_change_sites($1::double precision * interval '1 second')
                """,
                [SQLValue(lookBack)]
            ).map {
                SiteReference(siteID: try $0.decode("site_id"), organizationID: try $0.decode("organization_id"))
            }
        }
    }

    public func phaseWork(at site: SiteReference, lookBack: TimeInterval, limit: Int) async throws -> PhaseWork {
        try await self.inSite(site) { connection in
            let schedules = try await Self.schedules(at: site, connection)
            let changes = try await connection.query(
                """
                SELECT c.id, c.site_id, c.batch_id, c.room_id, c.from_phase, c.to_phase, c.changed_by, c.changed_at,
                    c.note, b.code AS batch_code,
                    EXISTS (SELECT 1 FROM batch_phase_changes l WHERE l.batch_id = c.batch_id AND l.seq > c.seq)
                        AS superseded
                FROM batch_phase_changes c JOIN batches b ON b.id = c.batch_id
                WHERE c.site_id = $1::uuid AND c.changed_at > now() - $2::double precision * interval '1 second'
                  AND EXISTS (
                    SELECT 1 FROM irrigation_schedules s
                    WHERE s.site_id = c.site_id AND s.enabled AND s.trigger_kind = 'batch_phase_change'
                      AND lower(s.phase) = c.to_phase AND s.fires_after < c.changed_at
                      AND \(Self.groupInRoom)
                      AND NOT EXISTS (SELECT 1 FROM irrigation_phase_fires f
                                      WHERE f.phase_change_id = c.id AND f.schedule_id = s.id))
                ORDER BY c.seq LIMIT $3
                """,
                [SQLValue(site.siteID), SQLValue(lookBack), SQLValue(limit)]
            ).map { row in
                PendingPhaseChange(
                    change: try PostgresBatchRepository.decodeChange(row),
                    batchCode: try row.decode("batch_code"),
                    superseded: try row.decode("superseded")
                )
            }
            let ids = changes.map { $0.change.id.uuidString.lowercased() }
            let decided = try await connection.query(
                "SELECT phase_change_id, schedule_id FROM irrigation_phase_fires WHERE phase_change_id = ANY($1::uuid[])",
                [SQLValue("{" + ids.joined(separator: ",") + "}")]
            ).map {
                PhaseFireKey(phaseChangeID: try $0.decode("phase_change_id"), scheduleID: try $0.decode("schedule_id"))
            }
            return PhaseWork(changes: changes, schedules: schedules, decided: Set(decided))
        }
    }

    /// `PhaseFirePlan.concerns`' room rule in SQL (the plan still decides): the schedule's group has zones and all
    /// of them lie in the change's room. Without it a change matching a schedule only by phase would stay pending
    /// for the whole look-back and could crowd newer changes out of a round's limit.
    static let groupInRoom = """
        c.room_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM irrigation_programs p JOIN irrigation_group_valves v ON v.group_id = p.group_id
                    WHERE p.id = s.program_id)
        AND NOT EXISTS (SELECT 1 FROM irrigation_programs p JOIN irrigation_group_valves v ON v.group_id = p.group_id
                        JOIN zones z ON z.id = v.zone_id WHERE p.id = s.program_id AND z.room_id <> c.room_id)
        """

    public func recordSkipped(
        _ item: PhaseFirePlan.Item,
        reason: PhaseFire.SkipReason,
        instance: String,
        now: Date
    ) async throws -> Bool {
        try await self.inSite(item.schedule.program.site) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO irrigation_phase_fires (phase_change_id, schedule_id, site_id, outcome, skip_reason,
                    instance, decided_at, finished_at)
                VALUES ($1::uuid, $2::uuid, $3::uuid, 'skipped', $4, $5, $6::timestamptz, $6::timestamptz)
                ON CONFLICT (phase_change_id, schedule_id) DO NOTHING RETURNING schedule_id
                """,
                Self.keyBinds(item) + [SQLValue(reason.rawValue), SQLValue(instance), SQLValue(now)]
            )
            guard !rows.isEmpty else { return false }
            try await Self.audit(item, outcome: .skipped(reason), instance: instance, connection)
            return true
        }
    }

    public func claim(_ item: PhaseFirePlan.Item, instance: String, now: Date) async throws -> Bool {
        try await self.inSite(item.schedule.program.site) { connection in
            !(try await connection.query(
                """
                INSERT INTO irrigation_phase_fires (phase_change_id, schedule_id, site_id, outcome, instance, decided_at)
                VALUES ($1::uuid, $2::uuid, $3::uuid, 'claimed', $4, $5::timestamptz)
                ON CONFLICT (phase_change_id, schedule_id) DO NOTHING RETURNING schedule_id
                """,
                Self.keyBinds(item) + [SQLValue(instance), SQLValue(now)]
            ).isEmpty)
        }
    }

    public func finish(_ item: PhaseFirePlan.Item, outcome: PhaseFire.Outcome, now: Date) async throws {
        let (runID, error): (UUID?, String?) =
            switch outcome {
            case .started(let run): (run, nil)
            case .failed(let error): (nil, String((error.isEmpty ? "unknown error" : error).prefix(1000)))
            case .claimed, .skipped:
                throw DomainError.invalid("outcome", "a claimed phase fire finishes as started or failed")
            }
        try await self.inSite(item.schedule.program.site) { connection in
            let rows = try await connection.query(
                """
                UPDATE irrigation_phase_fires SET outcome = $3, run_id = $4::uuid, error = $5,
                    finished_at = $6::timestamptz
                WHERE phase_change_id = $1::uuid AND schedule_id = $2::uuid AND outcome = 'claimed'
                RETURNING instance
                """,
                [
                    SQLValue(item.key.phaseChangeID), SQLValue(item.key.scheduleID), SQLValue(outcome.name),
                    SQLValue(runID), SQLValue(error), SQLValue(now),
                ]
            )
            guard let row = rows.first else {
                throw DomainError(
                    code: .failedPrecondition,
                    message: "phase fire \(item.key.phaseChangeID)/\(item.key.scheduleID) is not claimed",
                    reason: "FIRE_NOT_CLAIMED"
                )
            }
            try await Self.audit(item, outcome: outcome, instance: try row.decode("instance"), connection)
        }
    }

    public func phaseFires(phaseChangeID: UUID, in scope: AccessScope) async throws -> [PhaseFire] {
        try await mappingErrors(resource: "schedule", table: "irrigation_phase_fires") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    """
                    SELECT phase_change_id, schedule_id, site_id, outcome, run_id, error, skip_reason, instance,
                        decided_at
                    FROM irrigation_phase_fires WHERE phase_change_id = $1::uuid ORDER BY schedule_id
                    """,
                    [SQLValue(phaseChangeID)]
                ).map(Self.decodeFire)
            }
        }
    }
}
