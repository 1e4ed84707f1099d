import Foundation

/// One dosing channel of a mix tank's injector (migration 0009 `injector_channels`): its number on the tank, the
/// product and dose, and the dosing pump. Deleted with its tank.
public struct InjectorChannel: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var mixTankID: UUID
    /// 1-16, once per tank.
    public var channel: Int
    public var nutrientProductID: UUID?
    /// 0-100 ml per liter of feed.
    public var mlPerLiter: Double?
    public var pumpID: UUID?
    /// Set by the store.
    public var createdAt: Date?

    public init(
        id: UUID = UUID(),
        siteID: UUID,
        mixTankID: UUID,
        channel: Int,
        nutrientProductID: UUID? = nil,
        mlPerLiter: Double? = nil,
        pumpID: UUID? = nil,
        createdAt: Date? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.mixTankID = mixTankID
        self.channel = channel
        self.nutrientProductID = nutrientProductID
        self.mlPerLiter = mlPerLiter
        self.pumpID = pumpID
        self.createdAt = createdAt
    }

    public static let channels = 1...16

    /// Channel 1-16; dose 0-100 ml/l when given.
    public func validate() throws {
        guard Self.channels.contains(self.channel) else {
            throw DomainError.invalid("injector_channel.channel", "must be 1 to 16 (got \(self.channel))")
        }
        if let dose = self.mlPerLiter, !(dose.isFinite && (0...100).contains(dose)) {
            throw DomainError.invalid("injector_channel.ml_per_liter", "must be 0 to 100 ml per liter (got \(dose))")
        }
    }
}
