import Domain
import Foundation

extension PostgresPhaseFireRepository {
    /// The site's enabled phase schedules with their owner and the rooms of their group's zones.
    static func schedules(at site: SiteReference, _ connection: PostgresConnection) async throws -> [PhaseSchedule] {
        try await connection.query(
            """
            SELECT \(PostgresScheduleFireRepository.qualifiedScheduleColumns), s.fires_after, s.created_by,
                coalesce(u.status = 'active' AND EXISTS (
                    SELECT 1 FROM user_sites m WHERE m.user_id = u.id AND m.site_id = s.site_id
                ), false) AS owner_active,
                coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id),
                    '{}')::text AS owner_roles,
                coalesce((SELECT array_agg(DISTINCT z.room_id) FROM irrigation_group_valves v
                          JOIN zones z ON z.id = v.zone_id WHERE v.group_id = p.group_id), '{}')::text AS group_rooms
            FROM irrigation_schedules s JOIN irrigation_programs p ON p.id = s.program_id
                LEFT JOIN users u ON u.id = s.created_by
            WHERE s.site_id = $1::uuid AND s.enabled AND s.trigger_kind = 'batch_phase_change'
            ORDER BY s.id
            """,
            [SQLValue(site.siteID)]
        ).map { row in
            PhaseSchedule(
                program: ScheduledProgram(
                    schedule: try PostgresIrrigationRepository.decodeSchedule(row),
                    site: site,
                    since: try row.decode("fires_after"),
                    owner: try row.decode("created_by"),
                    ownerActive: try row.decode("owner_active"),
                    ownerRoles: Set(try row.decode("owner_roles", as: String.self).arrayElements.map(String.init))
                ),
                groupRoomIDs: Set(
                    try row.decode("group_rooms", as: String.self).arrayElements.map {
                        guard let id = UUID(uuidString: String($0)) else {
                            throw DomainError.invalid("group_rooms", "is not a uuid array")
                        }
                        return id
                    }
                )
            )
        }
    }

    static func keyBinds(_ item: PhaseFirePlan.Item) -> [SQLValue] {
        [SQLValue(item.key.phaseChangeID), SQLValue(item.key.scheduleID), SQLValue(item.schedule.program.site.siteID)]
    }

    func inSite<T: Sendable>(_ site: SiteReference, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await mappingErrors(resource: "schedule", table: "irrigation_phase_fires") {
            try await self.client.transaction { connection in
                try await connection.setScope(organizationID: site.organizationID, userID: nil, siteIDs: [site.siteID])
                return try await body(connection)
            }
        }
    }

    /// The scheduler's audit row (`irrigation_schedule.fire`, no actor), naming the phase change and batch.
    static func audit(
        _ item: PhaseFirePlan.Item,
        outcome: PhaseFire.Outcome,
        instance: String,
        _ connection: PostgresConnection
    ) async throws {
        let program = item.schedule.program
        let change = item.change.change
        var details = [
            "actor": "irrigation-scheduler",
            "trigger": "batch_phase_change",
            "phase_change_id": change.id.uuidString.lowercased(),
            "batch_id": change.batchID.uuidString.lowercased(),
            "batch_code": item.change.batchCode,
            "phase": change.to.rawValue,
            "changed_at": change.changedAt.formatted(.iso8601),
            "instance": instance,
            "outcome": outcome.name,
            "program_id": program.schedule.programID.uuidString.lowercased(),
        ]
        if let owner = program.owner { details["on_behalf_of"] = owner.uuidString.lowercased() }
        switch outcome {
        case .started(let run): details["run_id"] = run.uuidString.lowercased()
        case .failed(let error): details["error"] = String(error.prefix(500))
        case .skipped(let reason): details["skip_reason"] = reason.rawValue
        case .claimed: break
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

    static func decodeFire(_ row: PostgresRow) throws -> PhaseFire {
        let outcome: PhaseFire.Outcome =
            switch try row.decode("outcome", as: String.self) {
            case "started": .started(runID: try row.decode("run_id"))
            case "failed": .failed(error: try row.decode("error"))
            case "skipped": .skipped(PhaseFire.SkipReason(rawValue: try row.decode("skip_reason")) ?? .late)
            default: .claimed
            }
        return PhaseFire(
            phaseChangeID: try row.decode("phase_change_id"),
            scheduleID: try row.decode("schedule_id"),
            siteID: try row.decode("site_id"),
            outcome: outcome,
            instance: try row.decode("instance"),
            decidedAt: try row.decode("decided_at")
        )
    }
}
