import Domain
import Foundation
import SwiftProtobuf

/// The shapes every layout mutation shares: create a child of a parent in the same site, rename, delete.
extension SpatialService {
    /// Validates a zone/rack/bin create request: the site in `parent`, a code, a display name and the parent
    /// resource (`parentField`) in the same site.
    func newChild(
        _ parent: String,
        code: String,
        displayName: String,
        parentField: (field: String, value: String, pattern: ResourcePattern),
        resource: String,
        requestID: String
    ) throws -> (AccessScope, NewSpatialChild, AuditContext) {
        var violations = FieldViolations()
        violations.code("\(resource).code", code)
        violations.required("\(resource).display_name", displayName)
        let site = ResourcePattern.site.parse(parent)?.site
        let parentID = Self.reference(
            parentField.field,
            parentField.value,
            parentField.pattern,
            site: site,
            violations: &violations
        )
        let audit = violations.audit(requestID: requestID)
        let (scope, parentName) = try self.scoped(
            "parent",
            parent,
            .site,
            editors: Self.layoutEditors,
            method: "Create\(resource.capitalized)",
            violations: violations
        )
        let child = NewSpatialChild(siteID: parentName["site"], parentID: parentID!, code: code, name: displayName)
        return (scope, child, audit)
    }

    /// Validates an update whose only changeable field is the display name.
    func rename(
        _ resource: String,
        _ name: String,
        _ pattern: ResourcePattern,
        _ displayName: String,
        _ mask: Google_Protobuf_FieldMask,
        requestID: String
    ) throws -> (AccessScope, ResourceName, String, AuditContext) {
        var violations = FieldViolations()
        _ = Self.paths(mask, allowed: ["display_name"], violations: &violations)
        violations.required("\(resource).display_name", displayName)
        let audit = violations.audit(requestID: requestID)
        let (scope, parsed) = try self.scoped(
            "\(resource).name",
            name,
            pattern,
            editors: Self.layoutEditors,
            method: "Update\(resource.capitalized)",
            violations: violations
        )
        return (scope, parsed, displayName, audit)
    }

    /// Validates a delete of a layout resource.
    func deletion(
        _ name: String,
        _ pattern: ResourcePattern,
        requestID: String,
        editors: Set<Role> = SpatialService.layoutEditors
    ) throws -> (AccessScope, ResourceName, AuditContext) {
        var violations = FieldViolations()
        let audit = violations.audit(requestID: requestID)
        let (scope, parsed) = try self.scoped(
            "name",
            name,
            pattern,
            editors: editors,
            method: "Delete",
            violations: violations
        )
        return (scope, parsed, audit)
    }
}
