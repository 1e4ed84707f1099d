import Domain
import Foundation

/// Checks of the setup API's references inside a transaction, so a wrong one is INVALID_ARGUMENT naming its field
/// rather than a foreign-key violation.
enum SetupReferences {
    /// The only row, or NOT_FOUND for `resource` `id`.
    static func single(_ rows: PostgresRows, _ resource: String, _ id: UUID) throws -> PostgresRow {
        guard let row = rows.first else { throw DomainError.notFound(resource, id: id.lowercasedText) }
        return row
    }

    /// The row of `table` with `id` (locked `FOR UPDATE` when `lock`), NOT_FOUND when the scope does not see it.
    static func row(
        table: String,
        columns: String,
        id: UUID,
        lock: Bool,
        resource: String,
        _ connection: PostgresConnection
    ) async throws -> PostgresRow {
        let rows = try await connection.query(
            "SELECT \(columns) FROM \(table) WHERE id = $1::uuid\(lock ? " FOR UPDATE" : "")",
            [SQLValue(id)]
        )
        return try self.single(rows, resource, id)
    }

    /// `id` (when given) is equipment of `site` the scope sees.
    static func requireEquipment(
        _ id: UUID?,
        field: String,
        site: UUID,
        _ connection: PostgresConnection
    ) async throws {
        try await self.require(id, table: "equipment", what: "equipment", field: field, site: site, connection)
    }

    /// `id` (when given) is a row of `table` in `site` the scope sees.
    static func require(
        _ id: UUID?,
        table: String,
        what: String,
        field: String,
        site: UUID,
        _ connection: PostgresConnection
    ) async throws {
        guard let id else { return }
        let rows = try await connection.query(
            "SELECT 1 AS found FROM \(table) WHERE id = $1::uuid AND site_id = $2::uuid",
            [SQLValue(id), SQLValue(site)]
        )
        guard rows.isEmpty else { return }
        throw DomainError.invalid(field, "names no \(what) of site \(site.lowercasedText) (\(id.lowercasedText))")
    }
}

extension PostgresIrrigationRepository {
    /// The group's mix tank, when set, is one of `site` (INVALID_ARGUMENT naming `irrigation_group.mix_tank`).
    static func requireMixTank(_ group: IrrigationGroup, site: UUID, _ connection: PostgresConnection) async throws {
        try await SetupReferences.require(
            group.mixTankID,
            table: "mix_tanks",
            what: "mix tank",
            field: "irrigation_group.mix_tank",
            site: site,
            connection
        )
    }

    /// A group's audit details: name, zone count, and its mix tank when set.
    static func auditDetails(_ group: IrrigationGroup) -> [String: String] {
        var details = ["name": group.name, "zones": String(group.valves.count)]
        if let tank = group.mixTankID { details["mix_tank_id"] = tank.lowercasedText }
        return details
    }
}
