import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// `harvestry.spatial.v1.SpatialService`: rooms, zones, racks, bins, inventory locations, the equipment registry,
/// calibrations, device health and valve-to-zone mappings of the caller's sites.
///
/// Every request is validated first (INVALID_ARGUMENT with field violations), then the site its names carry is
/// checked against the caller's scope (PERMISSION_DENIED, SITE_OUT_OF_SCOPE), then the repository runs it under
/// that scope with row-level security; mutations are audited in the same transaction.
public struct SpatialService: Harvestry_Spatial_V1_SpatialService.SimpleServiceProtocol {
    let repository: any SpatialRepository

    public init(repository: any SpatialRepository) {
        self.repository = repository
    }

    /// Who may change the layout (rooms, zones, racks, bins, locations).
    static let layoutEditors: Set<Role> = [.admin, .manager]
    /// Who may register and maintain equipment (equipment, calibrations, heartbeats, valve mappings).
    static let equipmentEditors: Set<Role> = [.admin, .manager, .technician]

    /// The caller's scope and a validated name whose site is in it.
    func scoped(
        _ field: String,
        _ value: String,
        _ pattern: ResourcePattern,
        editors: Set<Role>? = nil,
        method: String = "",
        violations: FieldViolations = FieldViolations()
    ) throws -> (AccessScope, ResourceName) {
        let scope = try editors.map { try Caller.scope(requiringAnyOf: $0, method: method) } ?? Caller.scope()
        var violations = violations
        let name = violations.name(field, value, pattern)
        try violations.check()
        try Caller.require(site: name!.site!, in: scope)
        return (scope, name!)
    }

    /// A reference to another resource of the request's site: absent (nil), or a name in `site`.
    static func reference(
        _ field: String,
        _ value: String,
        _ pattern: ResourcePattern,
        site: UUID?,
        violations: inout FieldViolations,
        required: Bool = true
    ) -> UUID? {
        guard let name = violations.name(field, value, pattern, required: required) else { return nil }
        if let site, name.site != site {
            violations.add(
                field,
                reason: "CROSS_SITE_REFERENCE",
                "must name a resource of sites/\(site.lowercasedString)"
            )
            return nil
        }
        return name.ids.first { $0.key != "site" }?.value
    }

    /// The display name of a create request: `display_name`, or the seed contracts' `name` when it is not a
    /// resource name.
    static func displayName(_ displayName: String, orName name: String, field: String) -> String {
        if displayName.isEmpty, !name.isEmpty, !name.hasPrefix("sites/") { return name }
        return displayName
    }

    /// The update mask's paths, each one of `allowed`.
    static func paths(
        _ mask: Google_Protobuf_FieldMask,
        allowed: Set<String>,
        violations: inout FieldViolations
    ) -> Set<String> {
        violations.updateMask(mask, allowed: allowed)
    }
}
