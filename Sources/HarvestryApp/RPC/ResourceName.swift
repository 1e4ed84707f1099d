import Foundation

/// A resource name pattern such as `sites/{site}/rooms/{room}` (AIP-122): literal collection ids alternating with
/// variables; every variable of ours is a UUID.
struct ResourcePattern: Sendable, Hashable {
    let template: String
    /// (collection, variable) pairs; a trailing literal (a singleton such as `/health`) has an empty variable.
    private let segments: [(collection: String, variable: String)]

    init(_ template: StaticString) {
        self.template = template.description
        let parts = self.template.split(separator: "/").map(String.init)
        var segments: [(String, String)] = []
        var index = 0
        while index < parts.count {
            let collection = parts[index]
            if index + 1 < parts.count, parts[index + 1].hasPrefix("{") {
                segments.append((collection, String(parts[index + 1].dropFirst().dropLast())))
                index += 2
            } else {
                segments.append((collection, ""))
                index += 1
            }
        }
        self.segments = segments
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.template == rhs.template }
    func hash(into hasher: inout Hasher) { hasher.combine(self.template) }

    /// The ids of `name`, or nil when it does not match (wrong collections, extra parts, an id that is not a UUID).
    func parse(_ name: String) -> ResourceName? {
        guard name.utf8.count <= 512 else { return nil }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        var ids: [String: UUID] = [:]
        var index = 0
        for (collection, variable) in self.segments {
            guard index < parts.count, parts[index] == collection else { return nil }
            index += 1
            guard !variable.isEmpty else { continue }
            guard index < parts.count, parts[index].utf8.count == 36, let id = UUID(uuidString: String(parts[index]))
            else { return nil }
            ids[variable] = id
            index += 1
        }
        guard index == parts.count else { return nil }
        return ResourceName(pattern: self, ids: ids)
    }

    /// The name of the resource with these ids, in the pattern's order.
    func format(_ ids: UUID...) -> String {
        var values = ids.makeIterator()
        return self.segments.map { segment in
            guard !segment.variable.isEmpty else { return segment.collection }
            return segment.collection + "/" + (values.next()?.uuidString.lowercased() ?? "")
        }.joined(separator: "/")
    }
}

/// A parsed resource name.
struct ResourceName: Sendable, Hashable {
    let pattern: ResourcePattern
    let ids: [String: UUID]

    /// The id bound to `variable`; the pattern guarantees it is there.
    subscript(_ variable: String) -> UUID { self.ids[variable]! }

    /// Every name of ours but `users/...` and `sessions/...` starts with its site.
    var site: UUID? { self.ids["site"] }
}

extension ResourcePattern {
    static let site = ResourcePattern("sites/{site}")
    static let user = ResourcePattern("users/{user}")
    static let session = ResourcePattern("sessions/{session}")
    static let badge = ResourcePattern("users/{user}/badges/{badge}")
    static let room = ResourcePattern("sites/{site}/rooms/{room}")
    static let zone = ResourcePattern("sites/{site}/zones/{zone}")
    static let rack = ResourcePattern("sites/{site}/racks/{rack}")
    static let bin = ResourcePattern("sites/{site}/bins/{bin}")
    static let location = ResourcePattern("sites/{site}/locations/{location}")
    static let equipment = ResourcePattern("sites/{site}/equipment/{equipment}")
    static let calibration = ResourcePattern("sites/{site}/equipment/{equipment}/calibrations/{calibration}")
    static let deviceHealth = ResourcePattern("sites/{site}/equipment/{equipment}/health")
    static let deviceState = ResourcePattern("sites/{site}/equipment/{equipment}/state")
}
