import API
import GRPCCore
import SwiftProtobuf

/// A failure the gateway answers with a JSON `google.rpc.Status`: its own (no route, bad JSON, body too large...)
/// or the upstream's `RPCError`.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public var code: RPCError.Code
    public var message: String
    /// `google.rpc.*` details, rendered into `error.details` with their `@type`.
    public var details: [Google_Protobuf_Any]
    /// The HTTP status when it is not the one `code` maps to (404 no route, 405, 413, 415).
    public var httpStatusOverride: Int?
    /// Extra response headers (`Allow` on 405).
    public var headers: [(String, String)]
    /// Response metadata of the failed call, forwarded as `Grpc-Metadata-*`.
    public var metadata: Metadata

    public init(
        code: RPCError.Code,
        message: String,
        details: [Google_Protobuf_Any] = [],
        httpStatus: Int? = nil,
        headers: [(String, String)] = [],
        metadata: Metadata = [:]
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.httpStatusOverride = httpStatus
        self.headers = headers
        self.metadata = metadata
    }

    public var description: String { "\(self.code): \(self.message)" }

    /// The HTTP status of the response.
    public var httpStatus: Int { self.httpStatusOverride ?? StatusMapping.httpStatus(for: self.code) }

    /// INVALID_ARGUMENT with a `BadRequest` field violation and an `ErrorInfo` (domain harvestry.io).
    static func invalidArgument(field: String, reason: String, _ message: String, httpStatus: Int? = nil) -> Self {
        var violation = Google_Rpc_BadRequest.FieldViolation()
        violation.field = field
        violation.description_p = message
        var badRequest = Google_Rpc_BadRequest()
        badRequest.fieldViolations = [violation]
        return GatewayError(
            code: .invalidArgument,
            message: message,
            details: [
                Self.pack(badRequest), Self.errorInfo(reason: reason, metadata: field.isEmpty ? [:] : ["field": field]),
            ],
            httpStatus: httpStatus
        )
    }

    /// A gateway failure with an `ErrorInfo` detail naming `reason`.
    static func gateway(_ code: RPCError.Code, reason: String, _ message: String, httpStatus: Int? = nil) -> Self {
        GatewayError(code: code, message: message, details: [Self.errorInfo(reason: reason)], httpStatus: httpStatus)
    }

    static func errorInfo(reason: String, metadata: [String: String] = [:]) -> Google_Protobuf_Any {
        var info = Google_Rpc_ErrorInfo()
        info.domain = "harvestry.io"
        info.reason = reason
        info.metadata = metadata
        return Self.pack(info)
    }

    static func pack(_ message: some SwiftProtobuf.Message) -> Google_Protobuf_Any {
        // Packing a generated message into Any cannot fail.
        (try? Google_Protobuf_Any(message: message)) ?? Google_Protobuf_Any()
    }

    /// The upstream's error: its code, message and the `google.rpc.Status` details from `grpc-status-details-bin`.
    init(_ error: RPCError) {
        var details: [Google_Protobuf_Any] = []
        if let bytes = error.metadata[binaryValues: "grpc-status-details-bin"].first(where: { _ in true }),
            let status = try? Google_Rpc_Status(serializedBytes: bytes)
        {
            details = status.details
        }
        var metadata = error.metadata
        metadata.removeAllValues(forKey: "grpc-status-details-bin")
        self.init(code: error.code, message: error.message, details: details, metadata: metadata)
    }
}
