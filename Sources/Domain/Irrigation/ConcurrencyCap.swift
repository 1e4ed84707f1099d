import Foundation

/// How many outputs of each load class may be on at once. The edge controller's INT-150VA budget is 1 HL + 6 STD.
public struct ConcurrencyCap: Sendable, Hashable {
    public var heavyLoad: Int
    public var standard: Int

    public init(heavyLoad: Int, standard: Int) {
        self.heavyLoad = heavyLoad
        self.standard = standard
    }

    /// 1 HL + 6 STD (FRP-06, HW-C).
    public static let int150VA = ConcurrencyCap(heavyLoad: 1, standard: 6)

    public func limit(_ loadClass: LoadClass) -> Int {
        switch loadClass {
        case .heavyLoad: self.heavyLoad
        case .standard: self.standard
        }
    }

    /// Each class 0...16.
    public func validate() throws {
        guard (0...16).contains(self.heavyLoad) else {
            throw DomainError.invalid("policy.concurrency_cap.heavy_load", "must be 0 to 16")
        }
        guard (0...16).contains(self.standard) else {
            throw DomainError.invalid("policy.concurrency_cap.standard", "must be 0 to 16")
        }
    }

    /// Zones whose valves are open beyond the cap: per class, the ones opened latest (ties by zone id) past the
    /// limit. Whatever opened first keeps its slot.
    public func excess(_ open: [OpenValve]) -> Set<UUID> {
        var result = Set<UUID>()
        for loadClass in LoadClass.allCases {
            let ordered = Self.distinct(open.filter { $0.loadClass == loadClass })
                .sorted { ($0.openSince, $0.zoneID.uuidString) < ($1.openSince, $1.zoneID.uuidString) }
            result.formUnion(ordered.dropFirst(self.limit(loadClass)).map(\.zoneID))
        }
        return result
    }

    /// Whether opening `valves` on top of `open` stays within the cap. A valve already open counts once, but only
    /// if it is open in the same load class: inconsistent reports count against the budget (the safe side).
    public func admits(_ valves: [ZoneValve], alongside open: [OpenValve]) -> Bool {
        LoadClass.allCases.allSatisfy { loadClass in
            let openZones = Set(open.filter { $0.loadClass == loadClass }.map(\.zoneID))
            let asked = Set(valves.filter { $0.loadClass == loadClass }.map(\.zoneID))
            return openZones.union(asked).count <= self.limit(loadClass)
        }
    }

    /// The admission queue: which of `pending` (oldest first) may open now beside `open`. Each class is admitted in
    /// order while it has a free slot; classes do not wait for each other (a queued HL does not hold back a STD),
    /// but within a class nothing overtakes the head.
    public func admit(
        _ pending: [ZoneValve],
        alongside open: [OpenValve]
    ) -> (admitted: [ZoneValve], waiting: [ZoneValve]) {
        let openZones = Set(open.map { OpenSlot(zoneID: $0.zoneID, loadClass: $0.loadClass) })
        var used: [LoadClass: Int] = [:]
        for slot in openZones { used[slot.loadClass, default: 0] += 1 }
        var admitted: [ZoneValve] = []
        var waiting: [ZoneValve] = []
        var blocked = Set<LoadClass>()
        for valve in pending {
            if openZones.contains(OpenSlot(zoneID: valve.zoneID, loadClass: valve.loadClass))
                || admitted.contains(valve)
            {
                admitted.append(valve)
            } else if !blocked.contains(valve.loadClass),
                used[valve.loadClass, default: 0] < self.limit(valve.loadClass)
            {
                used[valve.loadClass, default: 0] += 1
                admitted.append(valve)
            } else {
                blocked.insert(valve.loadClass)
                waiting.append(valve)
            }
        }
        return (admitted, waiting)
    }

    private struct OpenSlot: Hashable {
        var zoneID: UUID
        var loadClass: LoadClass
    }

    private static func distinct(_ valves: [OpenValve]) -> [OpenValve] {
        var seen = Set<UUID>()
        return valves.filter { seen.insert($0.zoneID).inserted }
    }
}
