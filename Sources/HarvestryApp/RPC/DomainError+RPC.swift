import Domain
import GRPCCore
import GRPCProtobuf

/// Domain errors reach the client with their canonical code, one ErrorInfo (the domain's reason and metadata) and,
/// for invalid input, the field violations as `google.rpc.BadRequest`.
extension DomainError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch self.code {
        case .invalidArgument: return .invalidArgument
        case .notFound: return .notFound
        case .alreadyExists: return .alreadyExists
        case .permissionDenied: return .permissionDenied
        case .failedPrecondition: return .failedPrecondition
        case .unauthenticated: return .unauthenticated
        case .aborted: return .aborted
        case .unavailable: return .unavailable
        default: return .internalError
        }
    }

    public var rpcErrorMessage: String { self.message }

    public var rpcErrorMetadata: Metadata { self.googleRPCStatus.rpcErrorMetadata }

    var googleRPCStatus: GoogleRPCStatus {
        let violations = self.violations.map {
            ErrorDetails.BadRequest.FieldViolation(
                field: $0.field,
                description: $0.description,
                reason: self.reason,
                localizedMessage: nil
            )
        }
        return ServiceError.make(
            self.rpcErrorCode,
            reason: self.reason,
            self.message,
            metadata: self.metadata,
            details: violations.isEmpty ? [] : [.badRequest(violations: violations)]
        )
    }
}
