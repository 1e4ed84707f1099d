import Foundation

/// How much current a valve's coil draws: the edge controller's INT-150VA budget allows at most one heavy-load
/// (`HL`) and six standard (`STD`) outputs on at once.
public enum LoadClass: String, Sendable, Hashable, CaseIterable {
    case heavyLoad = "HL"
    case standard = "STD"
}

/// One zone's valve as an irrigation group knows it.
public struct ZoneValve: Sendable, Hashable {
    public var zoneID: UUID
    public var deviceID: UUID
    public var loadClass: LoadClass

    public init(zoneID: UUID, deviceID: UUID, loadClass: LoadClass) {
        self.zoneID = zoneID
        self.deviceID = deviceID
        self.loadClass = loadClass
    }
}

/// Zones watered together from one supply (mix tank and pump), in one site.
public struct IrrigationGroup: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var name: String
    public var valves: [ZoneValve]
    /// The mix tank it draws from, if set (`mix_tanks`; such a tank is not deleted).
    public var mixTankID: UUID?

    public init(id: UUID = UUID(), siteID: UUID, name: String, valves: [ZoneValve], mixTankID: UUID? = nil) {
        self.id = id
        self.siteID = siteID
        self.name = name
        self.valves = valves
        self.mixTankID = mixTankID
    }

    /// The valve of `zoneID`, if the zone belongs to the group.
    public func valve(forZone zoneID: UUID) -> ZoneValve? { self.valves.first { $0.zoneID == zoneID } }

    /// Name 1-200 characters; at least one zone; each zone once.
    public func validate() throws {
        try Validate.text(self.name, field: "group.name")
        guard !self.valves.isEmpty else { throw DomainError.invalid("group.valves", "must name at least one zone") }
        var seen = Set<UUID>()
        for (index, valve) in self.valves.enumerated() where !seen.insert(valve.zoneID).inserted {
            throw DomainError.invalid("group.valves[\(index)].zone_id", "zone \(valve.zoneID) is listed twice")
        }
    }
}
