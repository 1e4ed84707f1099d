import Foundation

/// A tank the feed is mixed in (migration 0009 `mix_tanks`), with its injector's channels stored apart
/// (`InjectorChannel`). An irrigation group may draw from one; such a tank cannot be deleted.
public struct MixTank: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    /// Unique in the site, e.g. `TANK-A`.
    public var code: String
    public var name: String
    public var capacityLiters: Double
    /// The level sensor's equipment, if any.
    public var levelSensorID: UUID?
    /// Set by the store.
    public var createdAt: Date?

    public init(
        id: UUID = UUID(),
        siteID: UUID,
        code: String,
        name: String,
        capacityLiters: Double,
        levelSensorID: UUID? = nil,
        createdAt: Date? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.capacityLiters = capacityLiters
        self.levelSensorID = levelSensorID
        self.createdAt = createdAt
    }

    /// The largest capacity the table allows, liters.
    public static let maximumCapacity = 1_000_000.0

    /// Code as `Validate.code`; name 1-200 characters; capacity above 0 and at most 1,000,000 liters. Fields are
    /// the API's (`mix_tank.display_name`).
    public func validate() throws {
        try Validate.code(self.code, field: "mix_tank.code")
        try Validate.text(self.name, field: "mix_tank.display_name")
        guard self.capacityLiters.isFinite, self.capacityLiters > 0, self.capacityLiters <= Self.maximumCapacity else {
            throw DomainError.invalid(
                "mix_tank.capacity_liters",
                "must be above 0 and at most 1000000 liters (got \(self.capacityLiters))"
            )
        }
    }
}
