import Domain
import Foundation
import SwiftProtobuf

extension FieldViolations {
    /// Records the violations of a Domain check, with each Domain field name turned into the request's proto path.
    /// The Domain types hold the rules (one source of truth); this only renames their fields.
    mutating func domain(_ fieldPath: (String) -> String, _ check: () throws -> Void) {
        do {
            try check()
        } catch let error as DomainError {
            for violation in error.violations {
                self.add(fieldPath(violation.field), reason: error.reason, violation.description)
            }
        } catch {
            self.add(fieldPath(""), reason: "INVALID_FIELD", "\(error)")
        }
    }

    /// Text checked by the Domain's `Validate.text` (1...`maximum` characters, not blank, no control characters).
    @discardableResult
    mutating func text(_ field: String, _ value: String, maximum: Int = defaultMaximumLength) -> String? {
        let before = self.violations.count
        self.domain({ _ in field }) { try Validate.text(value, field: field, maximum: maximum) }
        return self.violations.count == before ? value : nil
    }

    /// Exactly one of a resource name (`nameField`) and a bare id (`idField`); both may be given when they agree.
    /// `variable` is the pattern's variable holding the resource's id.
    mutating func reference(
        name: (field: String, value: String),
        id: (field: String, value: String),
        _ pattern: ResourcePattern,
        variable: String,
        required: Bool = true
    ) -> IrrigationReference? {
        if name.value.isEmpty && id.value.isEmpty {
            if required {
                self.add(name.field, reason: "FIELD_REQUIRED", "is required (\(pattern.template), or \(id.field))")
            }
            return nil
        }
        let parsed = self.name(name.field, name.value, pattern, required: false)
        let bare = self.uuid(id.field, id.value, required: false)
        if let parsed, let bare, parsed[variable] != bare {
            self.add(id.field, reason: "CONFLICTING_REFERENCE", "names another resource than \(name.field)")
            return nil
        }
        if let parsed { return IrrigationReference(id: parsed[variable], site: parsed.site) }
        return bare.map { IrrigationReference(id: $0, site: nil) }
    }

    /// A resource name that must lie in `site` (when the site is known).
    @discardableResult
    mutating func name(
        _ field: String,
        _ value: String,
        _ pattern: ResourcePattern,
        inSite site: UUID?,
        required: Bool = true
    ) -> ResourceName? {
        guard let name = self.name(field, value, pattern, required: required) else { return nil }
        if let site, name.site != site {
            self.add(field, reason: "SITE_MISMATCH", "must be in \(ResourcePattern.site.format(site))")
            return nil
        }
        return name
    }

    /// A known value of a protobuf enum other than the zero value, for each element of a repeated field.
    mutating func enumerations<E: SwiftProtobuf.Enum & CaseIterable>(_ field: String, _ values: [E]) -> [E] {
        values.enumerated().compactMap { index, value in
            self.enumeration("\(field)[\(index)]", value, required: true)
        }
    }
}
