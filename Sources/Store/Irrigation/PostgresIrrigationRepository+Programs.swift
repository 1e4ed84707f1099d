import Domain
import Foundation

extension PostgresIrrigationRepository {
    public func createProgram(
        _ program: IrrigationProgram,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationProgram {
        try audit.validate()
        return try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { connection in
                let group = try await Self.fetchGroup(program.groupID, connection)
                try program.validate(in: group)
                try await connection.query(
                    """
                    INSERT INTO irrigation_programs (id, site_id, group_id, name, max_runtime_seconds)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5)
                    """,
                    [
                        SQLValue(program.id), SQLValue(group.siteID), SQLValue(group.id), SQLValue(program.name),
                        SQLValue(program.maxRuntime),
                    ]
                )
                try await Self.insertSteps(program, site: group.siteID, connection)
                try await connection.audit(
                    "irrigation_program.create",
                    resourceType: "irrigation_program",
                    resourceID: program.id.uuidString.lowercased(),
                    siteID: group.siteID,
                    details: ["name": program.name, "group_id": group.id.uuidString.lowercased()],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchProgram(program.id, connection)
            }
        }
    }

    public func program(_ id: UUID, in scope: AccessScope) async throws -> IrrigationProgram {
        try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { try await Self.fetchProgram(id, $0) }
        }
    }

    public func listPrograms(
        groupID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationProgram> {
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "program", table: "irrigation_programs") {
            try await self.client.transaction(scope: scope) { connection in
                let ids = try await connection.query(
                    """
                    SELECT id FROM irrigation_programs
                    WHERE group_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(groupID), SQLValue(after), SQLValue(page.size + 1)]
                )
                var programs: [IrrigationProgram] = []
                for row in ids { programs.append(try await Self.fetchProgram(try row.decode("id"), connection)) }
                return PageCursor.page(programs, size: page.size) { [$0.id.uuidString.lowercased()] }
            }
        }
    }

    /// Inserts a program's steps in order (the program's group holds their zones).
    static func insertSteps(_ program: IrrigationProgram, site: UUID, _ connection: PostgresConnection) async throws {
        for (position, step) in program.steps.enumerated() {
            try await connection.query(
                """
                INSERT INTO irrigation_program_steps
                    (program_id, group_id, site_id, position, zone_id, duration_seconds, volume_liters)
                VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::uuid, $6, $7)
                """,
                [
                    SQLValue(program.id), SQLValue(program.groupID), SQLValue(site), SQLValue(position),
                    SQLValue(step.zoneID), SQLValue(step.amount.seconds), SQLValue(step.amount.liters),
                ]
            )
        }
    }

    static func fetchProgram(_ id: UUID, _ connection: PostgresConnection) async throws -> IrrigationProgram {
        let rows = try await connection.query(
            """
            SELECT p.group_id, p.name, p.max_runtime_seconds, s.zone_id, s.duration_seconds, s.volume_liters
            FROM irrigation_programs p LEFT JOIN irrigation_program_steps s ON s.program_id = p.id
            WHERE p.id = $1::uuid ORDER BY s.position
            """,
            [SQLValue(id)]
        )
        guard let first = rows.first else { throw DomainError.notFound("program", id: id.uuidString.lowercased()) }
        let steps = try rows.compactMap { row -> ProgramStep? in
            guard let zone = try row.decode("zone_id", as: UUID?.self) else { return nil }
            let amount: ProgramStep.Amount =
                if let seconds = try row.decode("duration_seconds", as: Double?.self) {
                    .duration(seconds)
                } else {
                    .volumeLiters(try row.decode("volume_liters"))
                }
            return ProgramStep(zoneID: zone, amount: amount)
        }
        return IrrigationProgram(
            id: id,
            groupID: try first.decode("group_id"),
            name: try first.decode("name"),
            steps: steps,
            maxRuntime: try first.decode("max_runtime_seconds")
        )
    }
}

extension ProgramStep.Amount {
    var seconds: Double? { if case .duration(let seconds) = self { seconds } else { nil } }
    var liters: Double? { if case .volumeLiters(let liters) = self { liters } else { nil } }
}
