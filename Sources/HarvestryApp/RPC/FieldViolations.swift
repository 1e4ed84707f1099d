import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// Collects what is wrong with a request, field by field, before anything is read or written; `check()` throws
/// INVALID_ARGUMENT with every violation as `google.rpc.BadRequest` and one ErrorInfo carrying the first
/// violation's reason and field.
struct FieldViolations: Sendable {
    private(set) var violations: [ErrorDetails.BadRequest.FieldViolation] = []

    /// Longest free text we accept in any field unless a tighter limit applies.
    static let defaultMaximumLength = 200

    mutating func add(_ field: String, reason: String, _ description: String) {
        self.violations.append(.init(field: field, description: description, reason: reason, localizedMessage: nil))
    }

    var isEmpty: Bool { self.violations.isEmpty }

    func check() throws(GoogleRPCStatus) {
        if let status = self.status { throw status }
    }

    /// INVALID_ARGUMENT with every violation, or nil when there is none.
    var status: GoogleRPCStatus? {
        guard let first = self.violations.first else { return nil }
        let summary = self.violations.map { "\($0.field): \($0.violationDescription)" }.joined(separator: "; ")
        return ServiceError.make(
            .invalidArgument,
            reason: first.reason,
            "invalid request: \(summary)",
            metadata: ["field": first.field, "violations": String(self.violations.count)],
            details: [.badRequest(violations: self.violations)]
        )
    }

    /// INVALID_ARGUMENT for one field.
    static func single(_ field: String, reason: String, _ description: String) -> GoogleRPCStatus {
        var violations = FieldViolations()
        violations.add(field, reason: reason, description)
        return violations.status!
    }

    // MARK: - Checks; each returns the usable value or nil after recording why not.

    /// A required string: present, at most `maximum` characters, no control characters.
    @discardableResult
    mutating func required(_ field: String, _ value: String, maximum: Int = defaultMaximumLength) -> String? {
        guard !value.isEmpty else {
            self.add(field, reason: "FIELD_REQUIRED", "is required")
            return nil
        }
        return self.optional(field, value, maximum: maximum)
    }

    /// An optional string: nil when empty, else checked like `required`.
    @discardableResult
    mutating func optional(_ field: String, _ value: String, maximum: Int = defaultMaximumLength) -> String? {
        guard !value.isEmpty else { return nil }
        guard value.count <= maximum else {
            self.add(field, reason: "FIELD_TOO_LONG", "is \(value.count) characters, at most \(maximum) are allowed")
            return nil
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) else {
            self.add(field, reason: "INVALID_CHARACTERS", "contains control characters")
            return nil
        }
        return value
    }

    /// A code: 1-40 of letters, digits, '.', '_', '-', starting with a letter or digit.
    @discardableResult
    mutating func code(_ field: String, _ value: String, required: Bool = true) -> String? {
        guard !value.isEmpty else {
            if required { self.add(field, reason: "FIELD_REQUIRED", "is required") }
            return nil
        }
        let scalars = Array(value.unicodeScalars)
        let valid =
            scalars.count <= 40
            && scalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))
            }
            && scalars[0].isASCII && (scalars[0].properties.isAlphabetic || ("0"..."9").contains(scalars[0]))
        guard valid else {
            self.add(
                field,
                reason: "INVALID_CODE",
                "'\(value.prefix(60))' is not 1-40 letters, digits, '.', '_' or '-' starting with a letter or digit"
            )
            return nil
        }
        return value
    }

    /// A resource name of the given pattern, with every id a UUID.
    @discardableResult
    mutating func name(
        _ field: String,
        _ value: String,
        _ pattern: ResourcePattern,
        required: Bool = true
    ) -> ResourceName? {
        guard !value.isEmpty else {
            if required { self.add(field, reason: "FIELD_REQUIRED", "is required (\(pattern.template))") }
            return nil
        }
        guard let name = pattern.parse(value) else {
            self.add(
                field,
                reason: "MALFORMED_RESOURCE_NAME",
                "'\(value.prefix(200))' is not a resource name of the form \(pattern.template) with UUID ids"
            )
            return nil
        }
        return name
    }

    /// A UUID given on its own (the seed contracts' `zoneId`, `equipment_id`).
    @discardableResult
    mutating func uuid(_ field: String, _ value: String, required: Bool = true) -> UUID? {
        guard !value.isEmpty else {
            if required { self.add(field, reason: "FIELD_REQUIRED", "is required") }
            return nil
        }
        guard value.utf8.count == 36, let id = UUID(uuidString: value) else {
            self.add(field, reason: "INVALID_ID", "'\(value.prefix(60))' is not a UUID")
            return nil
        }
        return id
    }

    /// One of a closed set of lower-case words, matched ignoring case.
    @discardableResult
    mutating func word(_ field: String, _ value: String, oneOf allowed: [String], required: Bool = true) -> String? {
        guard !value.isEmpty else {
            if required {
                self.add(field, reason: "FIELD_REQUIRED", "is required (one of \(allowed.joined(separator: ", ")))")
            }
            return nil
        }
        let lowered = value.lowercased()
        guard allowed.contains(lowered) else {
            self.add(
                field,
                reason: "UNKNOWN_ENUM_VALUE",
                "'\(value.prefix(60))' is not one of \(allowed.joined(separator: ", "))"
            )
            return nil
        }
        return lowered
    }

    /// A protobuf enum: known and, when required, not the zero value.
    @discardableResult
    mutating func enumeration<E: SwiftProtobuf.Enum & CaseIterable>(_ field: String, _ value: E, required: Bool) -> E? {
        if value.rawValue == 0 {
            if required { self.add(field, reason: "FIELD_REQUIRED", "is required") }
            return nil
        }
        guard E.allCases.contains(where: { $0.rawValue == value.rawValue }) else {
            self.add(field, reason: "UNKNOWN_ENUM_VALUE", "\(value.rawValue) is not a known value")
            return nil
        }
        return value
    }
}
