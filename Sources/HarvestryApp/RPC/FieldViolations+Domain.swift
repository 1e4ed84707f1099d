import Domain
import Foundation

/// Checks whose results are Domain values.
extension FieldViolations {
    /// A page request; a negative size or an oversized token is a violation.
    mutating func page(size: Int32, token: String) -> PageRequest {
        do {
            return try PageRequest(size: Int(size), token: token)
        } catch let error as DomainError {
            for violation in error.violations {
                self.add(violation.field, reason: "INVALID_PAGE", violation.description)
            }
        } catch {
            self.add("page_size", reason: "INVALID_PAGE", "\(error)")
        }
        return .first
    }

    /// The audit context of a mutation: its optional idempotency key (1-128 characters).
    mutating func audit(requestID: String) -> AuditContext {
        AuditContext(requestID: self.optional("request_id", requestID, maximum: 128))
    }

    /// A badge code as scanned: 4-128 printable ASCII characters.
    mutating func badgeCode(_ field: String, _ value: String) {
        guard !value.isEmpty else { return self.add(field, reason: "FIELD_REQUIRED", "is required") }
        do {
            try Domain.Badge.validate(code: value, field: field)
        } catch {
            self.add(field, reason: "INVALID_BADGE_CODE", "must be 4-128 printable ASCII characters without spaces")
        }
    }

    /// A role name of the catalogue.
    mutating func role(_ field: String, _ value: String) -> Role? {
        self.word(field, value, oneOf: Role.allCases.map(\.rawValue)).flatMap(Role.init(rawValue:))
    }

    /// A closed set of the Domain (room types, location types), matched ignoring case.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ field: String, _ value: String, as type: T.Type) -> T?
    where T.RawValue == String {
        self.word(field, value, oneOf: T.allCases.map(\.rawValue)).flatMap(T.init(rawValue:))
    }
}
