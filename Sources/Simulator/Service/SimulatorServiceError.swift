import GRPCCore
import GRPCProtobuf

/// `FaultError` as the status the client gets: a canonical code, one `google.rpc.ErrorInfo` (domain
/// `harvestry.io`) and, for validation, the `google.rpc.BadRequest` field violations (AIP-193).
enum SimulatorServiceError {
    static let domain = "harvestry.io"

    static func status(for error: FaultError) -> GoogleRPCStatus {
        let (code, reason): (RPCError.Code, String) =
            switch error.code {
            case .invalidArgument: (.invalidArgument, "INVALID_FAULT")
            case .notFound: (.notFound, "RESOURCE_NOT_FOUND")
            case .notActive: (.failedPrecondition, "FAULT_NOT_ACTIVE")
            case .targetUnavailable: (.failedPrecondition, "FAULT_TARGET_UNAVAILABLE")
            case .targetFailed: (.unavailable, "FAULT_TARGET_FAILED")
            }
        var metadata: [String: String] = [:]
        var details: [ErrorDetails] = []
        if let first = error.violations.first {
            metadata = ["field": first.field, "violations": String(error.violations.count)]
            details.append(
                .badRequest(
                    violations: error.violations.map {
                        .init(field: $0.field, description: $0.description, reason: reason, localizedMessage: nil)
                    }
                )
            )
        }
        return GoogleRPCStatus(
            code: code,
            message: error.message,
            details: [.errorInfo(.init(reason: reason, domain: Self.domain, metadata: metadata))] + details
        )
    }
}
