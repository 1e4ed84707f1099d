import GRPCCore
import GRPCProtobuf

/// Errors the Harvestry services send: a canonical code, a message, exactly one `google.rpc.ErrorInfo`
/// (domain `harvestry.io`, an UPPER_SNAKE_CASE reason, metadata naming the values) and, for validation, the
/// `google.rpc.BadRequest` field violations (AIP-193).
enum ServiceError {
    static let domain = "harvestry.io"

    static func make(
        _ code: RPCError.Code,
        reason: String,
        _ message: String,
        metadata: [String: String] = [:],
        details: [ErrorDetails] = []
    ) -> GoogleRPCStatus {
        GoogleRPCStatus(
            code: code,
            message: message,
            details: [.errorInfo(.init(reason: reason, domain: Self.domain, metadata: metadata))] + details
        )
    }

    /// UNAUTHENTICATED: no usable credentials. The reason says which check failed, never whose data exists.
    static func unauthenticated(reason: String, _ message: String) -> GoogleRPCStatus {
        Self.make(.unauthenticated, reason: reason, message)
    }

    /// PERMISSION_DENIED for a site outside the caller's scope.
    static func siteOutOfScope(_ site: String) -> GoogleRPCStatus {
        Self.make(
            .permissionDenied,
            reason: "SITE_OUT_OF_SCOPE",
            "site \(site) is not one of the caller's sites",
            metadata: ["site": site]
        )
    }

    /// PERMISSION_DENIED for a caller without any of the roles a method needs.
    static func roleRequired(_ roles: [String], method: String) -> GoogleRPCStatus {
        Self.make(
            .permissionDenied,
            reason: "ROLE_REQUIRED",
            "\(method) needs one of the roles \(roles.joined(separator: ", "))",
            metadata: ["roles": roles.joined(separator: ","), "method": method]
        )
    }

    static func notFound(_ resource: String) -> GoogleRPCStatus {
        Self.make(
            .notFound,
            reason: "RESOURCE_NOT_FOUND",
            "\(resource) does not exist",
            metadata: ["resource": resource]
        )
    }
}
