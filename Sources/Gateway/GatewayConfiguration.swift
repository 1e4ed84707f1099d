/// Everything the JSON gateway needs besides its upstream.
public struct GatewayConfiguration: Sendable {
    /// Interface and port of the HTTP listener; port 0 picks a free one.
    public var host: String
    public var port: Int
    /// Largest request body accepted; a larger one gets 413.
    public var maxBodyBytes: Int
    /// Origins allowed by CORS (`https://app.example.com`, or `*` for any); empty disables CORS.
    public var corsOrigins: [String]
    /// Which services (full names) get routes; by default all but the test-only `harvestry.testing` package.
    public var exposes: @Sendable (String) -> Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 4 << 20,
        corsOrigins: [String] = [],
        exposes: @escaping @Sendable (String) -> Bool = RouteTable.defaultExposure
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.corsOrigins = corsOrigins
        self.exposes = exposes
    }
}
