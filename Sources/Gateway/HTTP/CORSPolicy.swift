import HTTPTypes

/// CORS for a configured list of origins: simple requests get `Access-Control-Allow-Origin`, preflights
/// (`OPTIONS` with `Access-Control-Request-Method`) are answered by the gateway itself.
struct CORSPolicy: Sendable {
    let origins: Set<String>
    static let maxAgeSeconds = 600

    init(origins: [String]) { self.origins = Set(origins) }

    /// The allowed origin to echo, if the request has one and it is allowed.
    func allowedOrigin(_ headers: HTTPFields) -> String? {
        guard let origin = headers[.origin], !self.origins.isEmpty else { return nil }
        return self.origins.contains(origin) || self.origins.contains("*") ? origin : nil
    }

    static func isPreflight(method: HTTPRequest.Method, headers: HTTPFields) -> Bool {
        method == .options && headers[.accessControlRequestMethod] != nil
    }

    /// Headers for any response to an allowed origin.
    static func addResponseHeaders(origin: String, to fields: inout HTTPFields) {
        fields[.accessControlAllowOrigin] = origin
        fields[.vary] = "Origin"
        fields[.accessControlExposeHeaders] = "X-Request-Id, WWW-Authenticate, Grpc-Metadata-*"
    }

    /// Headers for a successful preflight.
    static func addPreflightHeaders(request: HTTPFields, allowedMethods: [String], to fields: inout HTTPFields) {
        fields[.accessControlAllowMethods] = allowedMethods.joined(separator: ", ")
        fields[.accessControlAllowHeaders] =
            request[.accessControlRequestHeaders] ?? "Authorization, Content-Type, X-Request-Id, Grpc-Timeout"
        fields[.accessControlMaxAge] = String(Self.maxAgeSeconds)
    }
}
