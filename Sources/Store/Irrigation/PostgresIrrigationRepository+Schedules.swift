import Domain
import Foundation

extension PostgresIrrigationRepository {
    public func createSchedule(
        _ schedule: IrrigationSchedule,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationSchedule {
        try schedule.validate()
        try audit.validate()
        let columns = ScheduleColumns(schedule.trigger)
        return try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { connection in
                let program = try await connection.query(
                    "SELECT site_id FROM irrigation_programs WHERE id = $1::uuid",
                    [SQLValue(schedule.programID)]
                )
                guard let site = try program.first?.decode("site_id", as: UUID.self) else {
                    throw DomainError.notFound("program", id: schedule.programID.uuidString.lowercased())
                }
                try await connection.query(
                    """
                    INSERT INTO irrigation_schedules
                        (id, site_id, program_id, trigger_kind, minute_of_day, days, phase, time_zone, enabled)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::smallint[], $7, $8, $9)
                    """,
                    [
                        SQLValue(schedule.id), SQLValue(site), SQLValue(schedule.programID), SQLValue(columns.kind),
                        SQLValue(columns.minute), SQLValue(columns.days), SQLValue(columns.phase),
                        SQLValue(schedule.timeZoneIdentifier),
                        SQLValue(schedule.enabled),
                    ]
                )
                try await connection.audit(
                    "irrigation_schedule.create",
                    resourceType: "irrigation_schedule",
                    resourceID: schedule.id.uuidString.lowercased(),
                    siteID: site,
                    details: ["program_id": schedule.programID.uuidString.lowercased()],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchSchedule(schedule.id, connection)
            }
        }
    }

    public func schedule(_ id: UUID, in scope: AccessScope) async throws -> IrrigationSchedule {
        try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { try await Self.fetchSchedule(id, $0) }
        }
    }

    public func listSchedules(
        programID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationSchedule> {
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "schedule", table: "irrigation_schedules") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.scheduleColumns) FROM irrigation_schedules
                    WHERE program_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(programID), SQLValue(after), SQLValue(page.size + 1)]
                )
                return PageCursor.page(try rows.map(Self.decodeSchedule), size: page.size) {
                    [$0.id.uuidString.lowercased()]
                }
            }
        }
    }

    static let scheduleColumns = "id, program_id, minute_of_day, days::text AS days, phase, time_zone, enabled"

    static func fetchSchedule(_ id: UUID, _ connection: PostgresConnection) async throws -> IrrigationSchedule {
        let rows = try await connection.query(
            "SELECT \(Self.scheduleColumns) FROM irrigation_schedules WHERE id = $1::uuid",
            [SQLValue(id)]
        )
        guard let row = rows.first else { throw DomainError.notFound("schedule", id: id.uuidString.lowercased()) }
        return try Self.decodeSchedule(row)
    }

    static func decodeSchedule(_ row: PostgresRow) throws -> IrrigationSchedule {
        let trigger: ScheduleTrigger
        if let phase = try row.decode("phase", as: String?.self) {
            trigger = .batchPhaseChange(toPhase: phase)
        } else {
            let minute: Int = try row.decode("minute_of_day")
            let days = try row.decode("days", as: String.self).arrayElements.compactMap { Int($0) }
            trigger = .timeOfDay(
                TimeOfDay(hour: minute / 60, minute: minute % 60),
                days: Set(days.compactMap(Weekday.init(rawValue:)))
            )
        }
        return IrrigationSchedule(
            id: try row.decode("id"),
            programID: try row.decode("program_id"),
            trigger: trigger,
            timeZoneIdentifier: try row.decode("time_zone"),
            enabled: try row.decode("enabled")
        )
    }
}

extension String {
    /// The elements of a Postgres array's text form (`{a,b}`) whose elements need no quoting (numbers, uuids).
    var arrayElements: [Substring] {
        self.dropFirst().dropLast().split(separator: ",")
    }
}
