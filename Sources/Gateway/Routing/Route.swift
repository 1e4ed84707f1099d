import GRPCCore
import SwiftProtobuf

/// One HTTP binding of a gRPC method: a rule or one of its `additional_bindings`.
public struct Route: Sendable {
    /// Where the request message comes from besides the path.
    public enum Body: Sendable, Hashable {
        /// No body: every field not bound by the path comes from the query string.
        case none
        /// `body: "*"`: every field not bound by the path comes from the body; no query parameters.
        case all
        /// `body: "field"`: that field is the body; other unbound fields come from the query string.
        case field(DescriptorIndex.Field)
    }

    /// `GET`, `POST`, ... or a custom method's name.
    public var httpMethod: String
    public var template: PathTemplate
    public var method: DescriptorIndex.Method
    public var body: Body
    /// `response_body`: the response field that becomes the whole HTTP body.
    public var responseBody: DescriptorIndex.Field?
    /// 0 for the rule itself, n for its n-th additional binding.
    public var binding: Int
    /// Each path variable's fields, outermost first.
    public var pathFields: [[DescriptorIndex.Field]]
    public var descriptor: MethodDescriptor
    public var inputType: any SwiftProtobuf.Message.Type
    public var outputType: any SwiftProtobuf.Message.Type
    /// Query fields are merged even with `body: "*"` (each WebSocket message of a stream).
    var queryWithBody = false

    /// `GET /v1/{name=sites/*/zones/*}`, the route's label in logs and metrics.
    public var label: String { "\(self.httpMethod) \(self.template.text)" }
}
