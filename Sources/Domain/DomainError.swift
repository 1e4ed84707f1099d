import Foundation

/// A failure the domain reports: a `Code` saying what kind, a message for people, a stable UPPER_SNAKE_CASE `reason`
/// (the gRPC layer puts it in `google.rpc.ErrorInfo`), metadata naming the values involved and, for invalid input,
/// the violated fields.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; maps one to one onto a canonical gRPC status code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidArgument, notFound, alreadyExists, permissionDenied, failedPrecondition, unauthenticated,
                aborted, unavailable, internalError
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The input is malformed; `violations` name the fields.
        public static let invalidArgument = Code(.invalidArgument)
        /// The resource does not exist, or is outside the caller's scope (reads never reveal other sites' rows).
        public static let notFound = Code(.notFound)
        /// A resource with the same unique key exists.
        public static let alreadyExists = Code(.alreadyExists)
        /// The caller's scope or roles do not allow the action.
        public static let permissionDenied = Code(.permissionDenied)
        /// The system is not in a state that allows the action (e.g. deleting a room that still has zones).
        public static let failedPrecondition = Code(.failedPrecondition)
        /// No valid credentials (unknown or revoked badge, ended session).
        public static let unauthenticated = Code(.unauthenticated)
        /// A concurrent change conflicted; retrying may succeed.
        public static let aborted = Code(.aborted)
        /// The store is unreachable.
        public static let unavailable = Code(.unavailable)
        /// A bug or an unexpected store failure.
        public static let internalError = Code(.internalError)

        public var description: String { self.wrapped.rawValue }
    }

    /// One invalid field: its path in the request (`room.name`) and what is wrong with it.
    public struct FieldViolation: Hashable, Sendable {
        public var field: String
        public var description: String
        public init(field: String, description: String) {
            self.field = field
            self.description = description
        }
    }

    public var code: Code
    public var message: String
    /// UPPER_SNAKE_CASE, stable: e.g. `INVALID_FIELD`, `ROOM_NOT_FOUND`, `SITE_OUT_OF_SCOPE`.
    public var reason: String
    public var metadata: [String: String]
    public var violations: [FieldViolation]

    public init(
        code: Code,
        message: String,
        reason: String,
        metadata: [String: String] = [:],
        violations: [FieldViolation] = []
    ) {
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata = metadata
        self.violations = violations
    }

    public var description: String { "\(self.code) (\(self.reason)): \(self.message)" }
}

extension DomainError {
    /// One invalid field.
    public static func invalid(_ field: String, _ description: String) -> DomainError {
        DomainError(
            code: .invalidArgument,
            message: "\(field): \(description)",
            reason: "INVALID_FIELD",
            metadata: ["field": field],
            violations: [FieldViolation(field: field, description: description)]
        )
    }

    /// `resource` (e.g. "room") with `id` does not exist in the caller's scope.
    public static func notFound(_ resource: String, id: String) -> DomainError {
        DomainError(
            code: .notFound,
            message: "\(resource) \(id) not found",
            reason: "\(resource.uppercased())_NOT_FOUND",
            metadata: ["id": id]
        )
    }

    /// The site is not among the caller's sites.
    public static func siteOutOfScope(_ siteID: UUID) -> DomainError {
        DomainError(
            code: .permissionDenied,
            message: "site \(siteID) is outside the caller's scope",
            reason: "SITE_OUT_OF_SCOPE",
            metadata: ["site": siteID.uuidString.lowercased()]
        )
    }
}
