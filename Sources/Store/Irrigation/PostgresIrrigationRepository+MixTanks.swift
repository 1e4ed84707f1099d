import Domain
import Foundation

/// Mix tanks (migration 0009 `mix_tanks`): the setup API's supply. A tank an irrigation group draws from is not
/// deleted; its injector channels go with it (ON DELETE CASCADE).
extension PostgresIrrigationRepository {
    static let mixTankColumns = "id, site_id, code, name, capacity_liters, level_sensor_id, created_at"

    public func createMixTank(_ tank: MixTank, in scope: AccessScope, audit: AuditContext) async throws -> MixTank {
        try tank.validate()
        try audit.validate()
        try scope.require(site: tank.siteID)
        return try await mappingErrors(resource: "mix_tank", table: "mix_tanks") {
            try await self.client.transaction(scope: scope) { connection in
                try await SetupReferences.requireEquipment(
                    tank.levelSensorID,
                    field: "mix_tank.level_sensor",
                    site: tank.siteID,
                    connection
                )
                let rows = try await connection.query(
                    """
                    INSERT INTO mix_tanks (id, site_id, code, name, capacity_liters, level_sensor_id)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::uuid) RETURNING \(Self.mixTankColumns)
                    """,
                    [
                        SQLValue(tank.id), SQLValue(tank.siteID), SQLValue(tank.code), SQLValue(tank.name),
                        SQLValue(tank.capacityLiters), SQLValue(tank.levelSensorID),
                    ]
                )
                try await connection.audit(
                    "mix_tank.create",
                    resourceType: "mix_tank",
                    resourceID: tank.id.lowercasedText,
                    siteID: tank.siteID,
                    details: Self.auditDetails(tank),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeMixTank(try SetupReferences.single(rows, "mix_tank", tank.id))
            }
        }
    }

    public func mixTank(_ id: UUID, in scope: AccessScope) async throws -> MixTank {
        try await mappingErrors(resource: "mix_tank", table: "mix_tanks") {
            try await self.client.transaction(scope: scope) { try await Self.fetchMixTank(id, lock: false, $0) }
        }
    }

    public func listMixTanks(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<MixTank> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "mix_tank", table: "mix_tanks") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.mixTankColumns) FROM mix_tanks
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                let tanks = try rows.map(Self.decodeMixTank)
                return PageCursor.page(tanks, size: page.size) { [$0.id.lowercasedText] }
            }
        }
    }

    public func updateMixTank(_ tank: MixTank, in scope: AccessScope, audit: AuditContext) async throws -> MixTank {
        try tank.validate()
        try audit.validate()
        return try await mappingErrors(resource: "mix_tank", table: "mix_tanks") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchMixTank(tank.id, lock: true, connection)
                try await SetupReferences.requireEquipment(
                    tank.levelSensorID,
                    field: "mix_tank.level_sensor",
                    site: stored.siteID,
                    connection
                )
                let rows = try await connection.query(
                    """
                    UPDATE mix_tanks SET name = $2, capacity_liters = $3, level_sensor_id = $4::uuid
                    WHERE id = $1::uuid RETURNING \(Self.mixTankColumns)
                    """,
                    [
                        SQLValue(tank.id), SQLValue(tank.name), SQLValue(tank.capacityLiters),
                        SQLValue(tank.levelSensorID),
                    ]
                )
                try await connection.audit(
                    "mix_tank.update",
                    resourceType: "mix_tank",
                    resourceID: tank.id.lowercasedText,
                    siteID: stored.siteID,
                    details: Self.auditDetails(tank),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeMixTank(try SetupReferences.single(rows, "mix_tank", tank.id))
            }
        }
    }

    public func deleteMixTank(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "mix_tank", table: "mix_tanks") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchMixTank(id, lock: true, connection)
                let groups = try await connection.query(
                    "SELECT id FROM irrigation_groups WHERE mix_tank_id = $1::uuid ORDER BY id LIMIT 1",
                    [SQLValue(id)]
                )
                if let group = try groups.first?.decode("id", as: UUID.self) {
                    throw Self.precondition(
                        "MIX_TANK_IN_USE",
                        "irrigation group \(group.lowercasedText) draws from this mix tank: move the group first",
                        ["mix_tank_id": id.lowercasedText, "group_id": group.lowercasedText]
                    )
                }
                let channels = try await connection.query(
                    "DELETE FROM injector_channels WHERE mix_tank_id = $1::uuid RETURNING id",
                    [SQLValue(id)]
                )
                try await connection.query("DELETE FROM mix_tanks WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "mix_tank.delete",
                    resourceType: "mix_tank",
                    resourceID: id.lowercasedText,
                    siteID: stored.siteID,
                    details: ["code": stored.code, "injector_channels": String(channels.count)],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    /// The tank (locked `FOR UPDATE` when `lock`), NOT_FOUND when the scope does not see it.
    static func fetchMixTank(_ id: UUID, lock: Bool, _ connection: PostgresConnection) async throws -> MixTank {
        let row = try await SetupReferences.row(
            table: "mix_tanks",
            columns: Self.mixTankColumns,
            id: id,
            lock: lock,
            resource: "mix_tank",
            connection
        )
        return try Self.decodeMixTank(row)
    }

    static func decodeMixTank(_ row: PostgresRow) throws -> MixTank {
        MixTank(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            code: try row.decode("code"),
            name: try row.decode("name"),
            capacityLiters: try row.decode("capacity_liters"),
            levelSensorID: try row.decode("level_sensor_id"),
            createdAt: try row.decode("created_at")
        )
    }

    static func auditDetails(_ tank: MixTank) -> [String: String] {
        var details = ["code": tank.code, "name": tank.name, "capacity_liters": String(tank.capacityLiters)]
        if let sensor = tank.levelSensorID { details["level_sensor_id"] = sensor.lowercasedText }
        return details
    }
}
