import Domain
import Foundation

/// Nutrient products (migration 0009 `nutrient_products`). A product an injector channel doses is not deleted.
extension PostgresIrrigationRepository {
    static let productColumns = "id, site_id, code, name, manufacturer, created_at"

    public func createNutrientProduct(
        _ product: NutrientProduct,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> NutrientProduct {
        try product.validate()
        try audit.validate()
        try scope.require(site: product.siteID)
        return try await mappingErrors(resource: "nutrient_product", table: "nutrient_products") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO nutrient_products (id, site_id, code, name, manufacturer)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5) RETURNING \(Self.productColumns)
                    """,
                    [
                        SQLValue(product.id), SQLValue(product.siteID), SQLValue(product.code),
                        SQLValue(product.name), SQLValue(product.manufacturer),
                    ]
                )
                try await connection.audit(
                    "nutrient_product.create",
                    resourceType: "nutrient_product",
                    resourceID: product.id.lowercasedText,
                    siteID: product.siteID,
                    details: Self.auditDetails(product),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeProduct(try SetupReferences.single(rows, "nutrient_product", product.id))
            }
        }
    }

    public func nutrientProduct(_ id: UUID, in scope: AccessScope) async throws -> NutrientProduct {
        try await mappingErrors(resource: "nutrient_product", table: "nutrient_products") {
            try await self.client.transaction(scope: scope) { try await Self.fetchProduct(id, lock: false, $0) }
        }
    }

    public func listNutrientProducts(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<NutrientProduct> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "nutrient_product", table: "nutrient_products") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.productColumns) FROM nutrient_products
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                let products = try rows.map(Self.decodeProduct)
                return PageCursor.page(products, size: page.size) { [$0.id.lowercasedText] }
            }
        }
    }

    public func updateNutrientProduct(
        _ product: NutrientProduct,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> NutrientProduct {
        try product.validate()
        try audit.validate()
        return try await mappingErrors(resource: "nutrient_product", table: "nutrient_products") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchProduct(product.id, lock: true, connection)
                let rows = try await connection.query(
                    """
                    UPDATE nutrient_products SET name = $2, manufacturer = $3 WHERE id = $1::uuid
                    RETURNING \(Self.productColumns)
                    """,
                    [SQLValue(product.id), SQLValue(product.name), SQLValue(product.manufacturer)]
                )
                try await connection.audit(
                    "nutrient_product.update",
                    resourceType: "nutrient_product",
                    resourceID: product.id.lowercasedText,
                    siteID: stored.siteID,
                    details: Self.auditDetails(product),
                    scope: scope,
                    context: audit
                )
                return try Self.decodeProduct(try SetupReferences.single(rows, "nutrient_product", product.id))
            }
        }
    }

    public func deleteNutrientProduct(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "nutrient_product", table: "nutrient_products") {
            try await self.client.transaction(scope: scope) { connection in
                let stored = try await Self.fetchProduct(id, lock: true, connection)
                let channels = try await connection.query(
                    """
                    SELECT id, mix_tank_id, channel FROM injector_channels WHERE nutrient_product_id = $1::uuid
                    ORDER BY mix_tank_id, channel LIMIT 1
                    """,
                    [SQLValue(id)]
                )
                if let row = channels.first {
                    let channel: UUID = try row.decode("id")
                    let tank: UUID = try row.decode("mix_tank_id")
                    let number: Int = try row.decode("channel")
                    throw Self.precondition(
                        "NUTRIENT_PRODUCT_IN_USE",
                        "channel \(number) of mix tank \(tank.lowercasedText) doses this product: change the channel first",
                        [
                            "nutrient_product_id": id.lowercasedText, "injector_channel_id": channel.lowercasedText,
                            "mix_tank_id": tank.lowercasedText,
                        ]
                    )
                }
                try await connection.query("DELETE FROM nutrient_products WHERE id = $1::uuid", [SQLValue(id)])
                try await connection.audit(
                    "nutrient_product.delete",
                    resourceType: "nutrient_product",
                    resourceID: id.lowercasedText,
                    siteID: stored.siteID,
                    details: ["code": stored.code],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    /// The product (locked `FOR UPDATE` when `lock`), NOT_FOUND when the scope does not see it.
    static func fetchProduct(_ id: UUID, lock: Bool, _ connection: PostgresConnection) async throws -> NutrientProduct {
        let row = try await SetupReferences.row(
            table: "nutrient_products",
            columns: Self.productColumns,
            id: id,
            lock: lock,
            resource: "nutrient_product",
            connection
        )
        return try Self.decodeProduct(row)
    }

    static func decodeProduct(_ row: PostgresRow) throws -> NutrientProduct {
        NutrientProduct(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            code: try row.decode("code"),
            name: try row.decode("name"),
            manufacturer: try row.decode("manufacturer"),
            createdAt: try row.decode("created_at")
        )
    }

    static func auditDetails(_ product: NutrientProduct) -> [String: String] {
        var details = ["code": product.code, "name": product.name]
        if let manufacturer = product.manufacturer { details["manufacturer"] = manufacturer }
        return details
    }
}
