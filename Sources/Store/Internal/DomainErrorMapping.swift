import Domain
import Foundation

extension PostgresError {
    /// The domain error for a server error the repositories expect (constraint, RLS and privilege violations);
    /// anything else is `internalError` or, for a lost connection, `unavailable`.
    func domainError(resource: String, table: String) -> DomainError {
        let constraint = self.constraintName
        switch self.sqlState {
        case "23505":
            return DomainError(
                code: .alreadyExists,
                message: "a \(resource) with the same key already exists",
                reason: "\(resource.uppercased())_EXISTS",
                metadata: constraint.map { ["constraint": $0] } ?? [:]
            )
        case "23503":
            return DomainError(
                code: .failedPrecondition,
                message: "\(resource): a referenced record does not exist in this site, or records still depend on it",
                reason: "REFERENCE_VIOLATION",
                metadata: constraint.map { ["constraint": $0] } ?? [:]
            )
        case "23514", "23502", "22001", "22P02", "23P01":
            let field = constraint.map { Self.field(fromConstraint: $0, resource: resource, table: table) } ?? resource
            return DomainError.invalid(field, "violates \(constraint ?? "a constraint"): \(self.message)")
        case "42501":
            return DomainError(
                code: .permissionDenied,
                message: "the request's scope does not allow this \(resource) change",
                reason: "SITE_OUT_OF_SCOPE"
            )
        default:
            if self.code == .connection || self.code == .poolClosed {
                return DomainError(code: .unavailable, message: self.message, reason: "STORE_UNAVAILABLE")
            }
            return DomainError(code: .internalError, message: self.description, reason: "STORE_ERROR")
        }
    }

    /// The constraint named in the server's message, e.g. `rooms_name_length` from `... check constraint
    /// "rooms_name_length"`.
    var constraintName: String? {
        guard let range = self.message.range(of: "constraint \""),
            let end = self.message[range.upperBound...].firstIndex(of: "\"")
        else { return nil }
        return String(self.message[range.upperBound..<end])
    }

    /// `rooms_name_length` -> `room.name`: the table prefix is dropped, the resource put in front and the rule
    /// suffix (`length`, `format`, `value`, `check`) removed.
    static func field(fromConstraint constraint: String, resource: String, table: String) -> String {
        var rest = Substring(constraint)
        if rest.hasPrefix(table + "_") { rest = rest.dropFirst(table.count + 1) }
        for suffix in ["_length", "_format", "_value", "_check", "_required"] where rest.hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
            break
        }
        return rest.isEmpty ? resource : "\(resource).\(rest)"
    }
}

/// Runs a repository body, turning store errors into domain errors.
func mappingErrors<T>(resource: String, table: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as PostgresError {
        throw error.domainError(resource: resource, table: table)
    }
}
