import GRPCCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The canonical gRPC code -> HTTP status table (google.rpc.Code), and the JSON error body.
public enum StatusMapping {
    public static func httpStatus(for code: RPCError.Code) -> Int {
        switch code {
        case .invalidArgument, .failedPrecondition, .outOfRange: return 400
        case .unauthenticated: return 401
        case .permissionDenied: return 403
        case .notFound: return 404
        case .alreadyExists, .aborted: return 409
        case .resourceExhausted: return 429
        case .cancelled: return 499
        case .unimplemented: return 501
        case .unavailable: return 503
        case .deadlineExceeded: return 504
        default: return 500
        }
    }

    /// `INVALID_ARGUMENT`, the google.rpc.Code name.
    public static func name(of code: RPCError.Code) -> String {
        switch code {
        case .cancelled: return "CANCELLED"
        case .unknown: return "UNKNOWN"
        case .invalidArgument: return "INVALID_ARGUMENT"
        case .deadlineExceeded: return "DEADLINE_EXCEEDED"
        case .notFound: return "NOT_FOUND"
        case .alreadyExists: return "ALREADY_EXISTS"
        case .permissionDenied: return "PERMISSION_DENIED"
        case .resourceExhausted: return "RESOURCE_EXHAUSTED"
        case .failedPrecondition: return "FAILED_PRECONDITION"
        case .aborted: return "ABORTED"
        case .outOfRange: return "OUT_OF_RANGE"
        case .unimplemented: return "UNIMPLEMENTED"
        case .internalError: return "INTERNAL"
        case .unavailable: return "UNAVAILABLE"
        case .dataLoss: return "DATA_LOSS"
        case .unauthenticated: return "UNAUTHENTICATED"
        default: return "UNKNOWN"
        }
    }

    /// `{"error":{"code":404,"message":"...","status":"NOT_FOUND","details":[{"@type":...}]}}`, the body of every
    /// failed response (and of an SSE `error` event or an NDJSON error line), `code` being the HTTP status as in
    /// Google's JSON error format.
    public static func body(for error: GatewayError) -> String {
        var details: [String] = []
        for detail in error.details {
            if let json = try? detail.jsonString() {
                details.append(json)
            } else {
                // A detail of a type this binary does not know: keep its type and raw bytes.
                details.append(
                    "{\"@type\":\(JSONText.quote(detail.typeURL)),\"value\":\(JSONText.quote(detail.value.base64EncodedString()))}"
                )
            }
        }
        return "{\"error\":{\"code\":\(error.httpStatus),\"message\":\(JSONText.quote(error.message)),"
            + "\"status\":\"\(self.name(of: error.code))\",\"details\":[\(details.joined(separator: ","))]}}"
    }
}

/// JSON string quoting (RFC 8259).
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
