import Foundation

/// A resource given by its name or, as the seed contracts do (`groupId`, `programId`, `zoneId`, the path `{id}`), by
/// its bare id; a bare id leaves the site to the service's lookup.
struct IrrigationReference: Sendable, Hashable {
    let id: UUID
    /// The site of a resource name; nil for a bare id.
    let site: UUID?
}
