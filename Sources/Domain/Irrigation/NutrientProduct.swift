import Foundation

/// A nutrient product an injector channel doses (migration 0009 `nutrient_products`). One a channel refers to
/// cannot be deleted.
public struct NutrientProduct: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    /// Unique in the site, e.g. `CALMAG`.
    public var code: String
    public var name: String
    public var manufacturer: String?
    /// Set by the store.
    public var createdAt: Date?

    public init(
        id: UUID = UUID(),
        siteID: UUID,
        code: String,
        name: String,
        manufacturer: String? = nil,
        createdAt: Date? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.manufacturer = manufacturer
        self.createdAt = createdAt
    }

    /// Code as `Validate.code`; name and manufacturer (when given) 1-200 characters.
    public func validate() throws {
        try Validate.code(self.code, field: "nutrient_product.code")
        try Validate.text(self.name, field: "nutrient_product.display_name")
        try Validate.text(self.manufacturer, field: "nutrient_product.manufacturer")
    }
}
