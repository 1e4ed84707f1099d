import Domain
import Foundation

/// Injector channels (migration 0009 `injector_channels`): a mix tank's dosing channels, each number once per tank.
extension PostgresIrrigationRepository {
    static let channelColumns =
        "id, site_id, mix_tank_id, channel, nutrient_product_id, ml_per_liter, pump_id, created_at"

    public func createInjectorChannel(
        _ channel: InjectorChannel,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InjectorChannel {
        try channel.validate()
        try audit.validate()
        return try await mappingErrors(resource: "injector_channel", table: "injector_channels") {
            try await self.client.transaction(scope: scope) { connection in
                // The tank's row, shared: it cannot be deleted meanwhile, and it gives the site.
                let rows = try await connection.query(
                    "SELECT site_id FROM mix_tanks WHERE id = $1::uuid FOR SHARE",
                    [SQLValue(channel.mixTankID)]
                )
                let site: UUID = try SetupReferences.single(rows, "mix_tank", channel.mixTankID).decode("site_id")
                try await Self.requireChannelReferences(channel, site: site, connection)
                let inserted = try await connection.query(
                    """
                    INSERT INTO injector_channels (id, site_id, mix_tank_id, channel, nutrient_product_id,
                        ml_per_liter, pump_id)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::uuid, $6, $7::uuid) RETURNING \(Self.channelColumns)
                    """,
                    [
                        SQLValue(channel.id), SQLValue(site), SQLValue(channel.mixTankID), SQLValue(channel.channel),
                        SQLValue(channel.nutrientProductID), SQLValue(channel.mlPerLiter), SQLValue(channel.pumpID),
                    ]
                )
                try await connection.audit(
                    "injector_channel.create",
                    resourceType: "injector_channel",
                    resourceID: channel.id.lowercasedText,
                    siteID: site,
                    details: Self.auditDetails(channel),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeChannel(try SetupReferences.single(inserted, "injector_channel", channel.id))
            }
        }
    }

    public func injectorChannel(_ id: UUID, in scope: AccessScope) async throws -> InjectorChannel {
        try await mappingErrors(resource: "injector_channel", table: "injector_channels") {
            try await self.client.transaction(scope: scope) { try await Self.fetchChannel(id, lock: false, $0) }
        }
    }

    public func listInjectorChannels(
        mixTankID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<InjectorChannel> {
        let after = try PageCursor.decode(page.token, parts: 1).map { key in
            guard let number = Int(key[0]) else {
                throw DomainError.invalid("page_token", "is not a page token this list issued")
            }
            return number
        }
        return try await mappingErrors(resource: "injector_channel", table: "injector_channels") {
            try await self.client.transaction(scope: scope) { connection in
                _ = try await Self.fetchMixTank(mixTankID, lock: false, connection)
                let rows = try await connection.query(
                    """
                    SELECT \(Self.channelColumns) FROM injector_channels
                    WHERE mix_tank_id = $1::uuid AND ($2::int IS NULL OR channel > $2::int) ORDER BY channel LIMIT $3
                    """,
                    [SQLValue(mixTankID), SQLValue(after), SQLValue(page.size + 1)]
                )
                let channels = try rows.map(Self.decodeChannel)
                return PageCursor.page(channels, size: page.size) { [String($0.channel)] }
            }
        }
    }

    public func updateInjectorChannel(
        _ channel: InjectorChannel,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InjectorChannel {
        try channel.validate()
        try audit.validate()
        return try await mappingErrors(resource: "injector_channel", table: "injector_channels") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchChannel(channel.id, lock: true, connection)
                try await Self.requireChannelReferences(channel, site: stored.siteID, connection)
                let rows = try await connection.query(
                    """
                    UPDATE injector_channels SET channel = $2, nutrient_product_id = $3::uuid, ml_per_liter = $4,
                        pump_id = $5::uuid
                    WHERE id = $1::uuid RETURNING \(Self.channelColumns)
                    """,
                    [
                        SQLValue(channel.id), SQLValue(channel.channel), SQLValue(channel.nutrientProductID),
                        SQLValue(channel.mlPerLiter), SQLValue(channel.pumpID),
                    ]
                )
                try await connection.audit(
                    "injector_channel.update",
                    resourceType: "injector_channel",
                    resourceID: channel.id.lowercasedText,
                    siteID: stored.siteID,
                    details: Self.auditDetails(channel),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeChannel(try SetupReferences.single(rows, "injector_channel", channel.id))
            }
        }
    }

    public func deleteInjectorChannel(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "injector_channel", table: "injector_channels") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchChannel(id, lock: true, connection)
                try await connection.query("DELETE FROM injector_channels WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "injector_channel.delete",
                    resourceType: "injector_channel",
                    resourceID: id.lowercasedText,
                    siteID: stored.siteID,
                    details: Self.auditDetails(stored),
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    /// The product and pump, when given, are the site's (INVALID_ARGUMENT naming the field otherwise).
    static func requireChannelReferences(
        _ channel: InjectorChannel,
        site: UUID,
        _ connection: PostgresConnection
    ) async throws {
        try await SetupReferences.require(
            channel.nutrientProductID,
            table: "nutrient_products",
            what: "nutrient product",
            field: "injector_channel.nutrient_product",
            site: site,
            connection
        )
        try await SetupReferences.requireEquipment(
            channel.pumpID,
            field: "injector_channel.pump",
            site: site,
            connection
        )
    }

    static func fetchChannel(_ id: UUID, lock: Bool, _ connection: PostgresConnection) async throws -> InjectorChannel {
        let row = try await SetupReferences.row(
            table: "injector_channels",
            columns: Self.channelColumns,
            id: id,
            lock: lock,
            resource: "injector_channel",
            connection
        )
        return try Self.decodeChannel(row)
    }

    static func decodeChannel(_ row: PostgresRow) throws -> InjectorChannel {
        InjectorChannel(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            mixTankID: try row.decode("mix_tank_id"),
            channel: try row.decode("channel"),
            nutrientProductID: try row.decode("nutrient_product_id"),
            mlPerLiter: try row.decode("ml_per_liter"),
            pumpID: try row.decode("pump_id"),
            createdAt: try row.decode("created_at")
        )
    }

    static func auditDetails(_ channel: InjectorChannel) -> [String: String] {
        var details = ["mix_tank_id": channel.mixTankID.lowercasedText, "channel": String(channel.channel)]
        if let product = channel.nutrientProductID { details["nutrient_product_id"] = product.lowercasedText }
        if let dose = channel.mlPerLiter { details["ml_per_liter"] = String(dose) }
        if let pump = channel.pumpID { details["pump_id"] = pump.lowercasedText }
        return details
    }
}
