import Domain
import Foundation

/// Updates and deletes of groups, programs and schedules (IrrigationService). Each locks the stored row first, so a
/// change and a concurrent start or delete are serialized, and refuses what would orphan or rewrite history.
extension PostgresIrrigationRepository {
    public func updateGroup(
        _ group: IrrigationGroup,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationGroup {
        try group.validate()
        try audit.validate()
        return try await mappingErrors(resource: "group", table: "irrigation_groups") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_groups", group.id, resource: "group", connection)
                try await Self.refuseValveChangeDuringRun(group, connection)
                let kept = IrrigationRows.uuidArray(Set(group.valves.map(\.zoneID)))
                let used = try await connection.query(
                    """
                    SELECT DISTINCT zone_id FROM irrigation_program_steps
                    WHERE group_id = $1::uuid AND NOT (zone_id = ANY ($2::uuid[])) ORDER BY zone_id
                    """,
                    [SQLValue(group.id), SQLValue(kept)]
                )
                if let zone = try used.first?.decode("zone_id", as: UUID.self) {
                    throw Self.precondition(
                        "GROUP_ZONE_IN_USE",
                        "zone \(zone.lowercasedText) is watered by a program of the group: change the program first",
                        ["group_id": group.id.lowercasedText, "zone_id": zone.lowercasedText]
                    )
                }
                try await Self.requireMixTank(group, site: site, connection)
                try await connection.query(
                    "UPDATE irrigation_groups SET name = $2, mix_tank_id = $3::uuid WHERE id = $1::uuid",
                    [SQLValue(group.id), SQLValue(group.name), SQLValue(group.mixTankID)]
                )
                // Program steps refer to (group, zone): kept zones are updated in place, after moving every
                // position out of the way so the new order never collides with the old one.
                try await connection.query(
                    "DELETE FROM irrigation_group_valves WHERE group_id = $1::uuid AND NOT (zone_id = ANY ($2::uuid[]))",
                    [SQLValue(group.id), SQLValue(kept)]
                )
                try await connection.query(
                    "UPDATE irrigation_group_valves SET position = position + 16000 WHERE group_id = $1::uuid",
                    [SQLValue(group.id)]
                )
                for (position, valve) in group.valves.enumerated() {
                    try await connection.query(
                        """
                        INSERT INTO irrigation_group_valves (group_id, site_id, position, zone_id, device_id, load_class)
                        VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6)
                        ON CONFLICT (group_id, zone_id) DO UPDATE
                        SET position = EXCLUDED.position, device_id = EXCLUDED.device_id,
                            load_class = EXCLUDED.load_class
                        """,
                        [
                            SQLValue(group.id), SQLValue(site), SQLValue(position), SQLValue(valve.zoneID),
                            SQLValue(valve.deviceID), SQLValue(valve.loadClass.rawValue),
                        ]
                    )
                }
                try await connection.audit(
                    "irrigation_group.update",
                    resourceType: "irrigation_group",
                    resourceID: group.id.lowercasedText,
                    siteID: site,
                    details: Self.auditDetails(group),
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchGroup(group.id, connection)
            }
        }
    }

    public func deleteGroup(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "group", table: "irrigation_groups") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_groups", id, resource: "group", connection)
                try await Self.refuseIfAny(
                    "SELECT 1 FROM irrigation_programs WHERE group_id = $1::uuid LIMIT 1",
                    id,
                    reason: "GROUP_HAS_PROGRAMS",
                    "group \(id.lowercasedText) has programs: delete them first",
                    connection
                )
                try await Self.refuseIfAny(
                    "SELECT 1 FROM interlock_events WHERE group_id = $1::uuid LIMIT 1",
                    id,
                    reason: "GROUP_HAS_INTERLOCK_EVENTS",
                    "group \(id.lowercasedText) has interlock events, which are kept as a log",
                    connection
                )
                try await connection.query("DELETE FROM irrigation_groups WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "irrigation_group.delete",
                    resourceType: "irrigation_group",
                    resourceID: id.lowercasedText,
                    siteID: site,
                    details: [:],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    public func updateProgram(
        _ program: IrrigationProgram,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationProgram {
        try audit.validate()
        return try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_programs", program.id, resource: "program", connection)
                let stored = try await Self.fetchProgram(program.id, connection)
                var changed = program
                changed.groupID = stored.groupID
                try changed.validate(in: try await Self.fetchGroup(stored.groupID, connection))
                try await Self.refuseActiveRun(of: program.id, connection)
                try await connection.query(
                    "UPDATE irrigation_programs SET name = $2, max_runtime_seconds = $3 WHERE id = $1::uuid",
                    [SQLValue(program.id), SQLValue(changed.name), SQLValue(changed.maxRuntime)]
                )
                try await connection.query(
                    "DELETE FROM irrigation_program_steps WHERE program_id = $1::uuid",
                    [SQLValue(program.id)]
                )
                try await Self.insertSteps(changed, site: site, connection)
                try await connection.audit(
                    "irrigation_program.update",
                    resourceType: "irrigation_program",
                    resourceID: program.id.lowercasedText,
                    siteID: site,
                    details: ["name": changed.name, "steps": String(changed.steps.count)],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchProgram(program.id, connection)
            }
        }
    }

    public func deleteProgram(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_programs", id, resource: "program", connection)
                try await Self.refuseActiveRun(of: id, connection)
                try await Self.refuseIfAny(
                    "SELECT 1 FROM irrigation_runs WHERE program_id = $1::uuid LIMIT 1",
                    id,
                    reason: "PROGRAM_HAS_RUNS",
                    "program \(id.lowercasedText) has run: its runs keep it as their history",
                    connection
                )
                try await Self.refuseIfAny(
                    "SELECT 1 FROM irrigation_schedules WHERE program_id = $1::uuid LIMIT 1",
                    id,
                    reason: "PROGRAM_HAS_SCHEDULES",
                    "program \(id.lowercasedText) has schedules: delete them first",
                    connection
                )
                try await connection.query("DELETE FROM irrigation_programs WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "irrigation_program.delete",
                    resourceType: "irrigation_program",
                    resourceID: id.lowercasedText,
                    siteID: site,
                    details: [:],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    public func updateSchedule(
        _ schedule: IrrigationSchedule,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationSchedule {
        try schedule.validate()
        try audit.validate()
        let columns = ScheduleColumns(schedule.trigger)
        return try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite(
                    "irrigation_schedules",
                    schedule.id,
                    resource: "schedule",
                    connection
                )
                try await connection.query(
                    """
                    UPDATE irrigation_schedules SET trigger_kind = $2, minute_of_day = $3, days = $4::smallint[],
                        phase = $5, time_zone = $6, enabled = $7
                    WHERE id = $1::uuid
                    """,
                    [
                        SQLValue(schedule.id), SQLValue(columns.kind), SQLValue(columns.minute), SQLValue(columns.days),
                        SQLValue(columns.phase), SQLValue(schedule.timeZoneIdentifier), SQLValue(schedule.enabled),
                    ]
                )
                try await connection.audit(
                    "irrigation_schedule.update",
                    resourceType: "irrigation_schedule",
                    resourceID: schedule.id.lowercasedText,
                    siteID: site,
                    details: ["trigger": columns.kind, "enabled": String(schedule.enabled)],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchSchedule(schedule.id, connection)
            }
        }
    }

    public func deleteSchedule(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_schedules", id, resource: "schedule", connection)
                try await connection.query("DELETE FROM irrigation_schedules WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "irrigation_schedule.delete",
                    resourceType: "irrigation_schedule",
                    resourceID: id.lowercasedText,
                    siteID: site,
                    details: [:],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    /// Locks a row of `table` and returns its site; NOT_FOUND when the caller cannot see it.
    static func lockedSite(
        _ table: String,
        _ id: UUID,
        resource: String,
        _ connection: PostgresConnection
    ) async throws -> UUID {
        let rows = try await connection.query(
            "SELECT site_id FROM \(table) WHERE id = $1::uuid FOR UPDATE",
            [SQLValue(id)]
        )
        guard let site = try rows.first?.decode("site_id", as: UUID.self) else {
            throw DomainError.notFound(resource, id: id.lowercasedText)
        }
        return site
    }

    /// GROUP_HAS_ACTIVE_RUN (naming the run) when `group` would change or remove a stored zone's valve device while
    /// the group has a run that may still command it. The caller holds the group row `FOR UPDATE`; `createRun` takes
    /// it `FOR SHARE`, so a run cannot start between this check and the commit.
    static func refuseValveChangeDuringRun(_ group: IrrigationGroup, _ connection: PostgresConnection) async throws {
        let wanted = Dictionary(group.valves.map { ($0.zoneID, $0.deviceID) }, uniquingKeysWith: { first, _ in first })
        let stored = try await connection.query(
            "SELECT zone_id, device_id FROM irrigation_group_valves WHERE group_id = $1::uuid ORDER BY position",
            [SQLValue(group.id)]
        )
        var moved: UUID?
        for row in stored {
            let zone: UUID = try row.decode("zone_id")
            if wanted[zone] != (try row.decode("device_id", as: UUID.self)) {
                moved = zone
                break
            }
        }
        guard let zone = moved else { return }
        let active = try await connection.query(
            """
            SELECT id FROM irrigation_runs
            WHERE group_id = $1::uuid AND status IN ('Queued', 'Running', 'Aborting', 'AwaitingApproval')
            ORDER BY requested_at, id LIMIT 1
            """,
            [SQLValue(group.id)]
        )
        guard let run = try active.first?.decode("id", as: UUID.self) else { return }
        throw Self.precondition(
            "GROUP_HAS_ACTIVE_RUN",
            "run \(run.lowercasedText) of group \(group.id.lowercasedText) is unfinished: zone "
                + "\(zone.lowercasedText) would get another valve (or none); abort the run or let it finish first",
            ["group_id": group.id.lowercasedText, "run_id": run.lowercasedText, "zone_id": zone.lowercasedText]
        )
    }

    static func refuseActiveRun(of programID: UUID, _ connection: PostgresConnection) async throws {
        try await Self.refuseIfAny(
            "SELECT 1 FROM irrigation_runs WHERE program_id = $1::uuid AND status NOT IN ('Completed', 'Aborted') LIMIT 1",
            programID,
            reason: "PROGRAM_HAS_ACTIVE_RUN",
            "program \(programID.lowercasedText) has an unfinished run: abort it or let it finish first",
            connection
        )
    }

    /// FAILED_PRECONDITION with `reason` when `sql` (one uuid parameter) returns a row.
    static func refuseIfAny(
        _ sql: String,
        _ id: UUID,
        reason: String,
        _ message: String,
        _ connection: PostgresConnection
    ) async throws {
        guard !(try await connection.query(sql, [SQLValue(id)]).isEmpty) else { return }
        throw Self.precondition(reason, message, ["id": id.lowercasedText])
    }

    static func precondition(_ reason: String, _ message: String, _ metadata: [String: String]) -> DomainError {
        DomainError(code: .failedPrecondition, message: message, reason: reason, metadata: metadata)
    }
}

/// A schedule trigger as `irrigation_schedules` columns.
struct ScheduleColumns {
    var kind: String
    var minute: Int?
    var days: String?
    var phase: String?

    init(_ trigger: ScheduleTrigger) {
        switch trigger {
        case .timeOfDay(let time, let days):
            self.kind = "time_of_day"
            self.minute = time.hour * 60 + time.minute
            self.days = "{" + days.map { String($0.rawValue) }.sorted().joined(separator: ",") + "}"
        case .batchPhaseChange(let phase):
            self.kind = "batch_phase_change"
            self.phase = phase
        }
    }
}

extension UUID {
    /// The lowercase text form the API and audit rows use.
    var lowercasedText: String { self.uuidString.lowercased() }
}
