import Domain
import Foundation

/// `IrrigationRepository` on Postgres (migration 0009). Give it a client that connects as `harvestry_service`.
///
/// `device_commands` is the outbox: `createRun` and `saveRun` insert a run change's commands in the run's
/// transaction, and `claimDueCommands` drains it with `FOR UPDATE SKIP LOCKED` (see `+Commands`).
public struct PostgresIrrigationRepository: IrrigationRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func createGroup(
        _ group: IrrigationGroup,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationGroup {
        try group.validate()
        try audit.validate()
        try scope.require(site: group.siteID)
        return try await mappingErrors(resource: "group", table: "irrigation_groups") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.requireMixTank(group, site: group.siteID, connection)
                try await connection.query(
                    """
                    INSERT INTO irrigation_groups (id, site_id, name, mix_tank_id)
                    VALUES ($1::uuid, $2::uuid, $3, $4::uuid)
                    """,
                    [SQLValue(group.id), SQLValue(group.siteID), SQLValue(group.name), SQLValue(group.mixTankID)]
                )
                for (position, valve) in group.valves.enumerated() {
                    try await connection.query(
                        """
                        INSERT INTO irrigation_group_valves (group_id, site_id, position, zone_id, device_id, load_class)
                        VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6)
                        """,
                        [
                            SQLValue(group.id), SQLValue(group.siteID), SQLValue(position), SQLValue(valve.zoneID),
                            SQLValue(valve.deviceID), SQLValue(valve.loadClass.rawValue),
                        ]
                    )
                }
                try await connection.audit(
                    "irrigation_group.create",
                    resourceType: "irrigation_group",
                    resourceID: group.id.uuidString.lowercased(),
                    siteID: group.siteID,
                    details: Self.auditDetails(group),
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchGroup(group.id, connection)
            }
        }
    }

    public func group(_ id: UUID, in scope: AccessScope) async throws -> IrrigationGroup {
        try await mappingErrors(resource: "group", table: "irrigation_groups") {
            try await self.client.transaction(scope: scope) { try await Self.fetchGroup(id, $0) }
        }
    }

    public func listGroups(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<IrrigationGroup> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "group", table: "irrigation_groups") {
            try await self.client.transaction(scope: scope) { connection in
                let ids = try await connection.query(
                    """
                    SELECT id FROM irrigation_groups
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                var groups: [IrrigationGroup] = []
                for row in ids { groups.append(try await Self.fetchGroup(try row.decode("id"), connection)) }
                return PageCursor.page(groups, size: page.size) { [$0.id.uuidString.lowercased()] }
            }
        }
    }

    static func fetchGroup(_ id: UUID, _ connection: PostgresConnection) async throws -> IrrigationGroup {
        let rows = try await connection.query(
            """
            SELECT g.site_id, g.name, g.mix_tank_id, v.zone_id, v.device_id, v.load_class
            FROM irrigation_groups g LEFT JOIN irrigation_group_valves v ON v.group_id = g.id
            WHERE g.id = $1::uuid ORDER BY v.position
            """,
            [SQLValue(id)]
        )
        guard let first = rows.first else { throw DomainError.notFound("group", id: id.uuidString.lowercased()) }
        let valves = try rows.compactMap { row -> ZoneValve? in
            guard let zone = try row.decode("zone_id", as: UUID?.self) else { return nil }
            return ZoneValve(
                zoneID: zone,
                deviceID: try row.decode("device_id"),
                loadClass: try row.decodeEnum("load_class")
            )
        }
        return IrrigationGroup(
            id: id,
            siteID: try first.decode("site_id"),
            name: try first.decode("name"),
            valves: valves,
            mixTankID: try first.decode("mix_tank_id")
        )
    }
}
