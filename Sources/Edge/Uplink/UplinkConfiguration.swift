import CoreTransport

/// Where and how the uplink delivers the spool (docs/edge.md, "Uplink").
public struct UplinkConfiguration: Sendable, Hashable {
    /// The platform's gRPC address, `host:port`.
    public var target: String
    /// Sent as `authorization: Bearer <token>` on every call.
    public var token: String
    /// TLS from PEM files; nil connects in plaintext.
    public var tls: TLSFiles?
    /// Readings per spool batch (split into one IngestReadings call per device); at most 10000.
    public var batchLimit: Int
    /// IngestReadings calls in flight at once for one batch's devices (the server commits concurrent batches of a
    /// site together).
    public var concurrency: Int
    /// How often an empty spool is looked at again.
    public var idleInterval: Duration
    /// Deadline of one IngestReadings call.
    public var callTimeout: Duration
    public var backoff: UplinkBackoff

    public init(
        target: String,
        token: String,
        tls: TLSFiles? = nil,
        batchLimit: Int = 1000,
        concurrency: Int = 4,
        idleInterval: Duration = .milliseconds(500),
        callTimeout: Duration = .seconds(20),
        backoff: UplinkBackoff = UplinkBackoff()
    ) {
        self.target = target
        self.token = token
        self.tls = tls
        self.batchLimit = batchLimit
        self.concurrency = concurrency
        self.idleInterval = idleInterval
        self.callTimeout = callTimeout
        self.backoff = backoff
    }

    /// Errors name the field as the agent's config file spells it.
    public func validate() throws(UplinkError) {
        guard !self.target.isEmpty else { throw UplinkError("uplink.target is required") }
        guard !self.token.isEmpty else { throw UplinkError("uplink.token is required") }
        guard (1...10_000).contains(self.batchLimit) else {
            throw UplinkError("uplink.batch_size must be between 1 and 10000 (got \(self.batchLimit))")
        }
        guard (1...64).contains(self.concurrency) else {
            throw UplinkError("uplink.concurrency must be between 1 and 64 (got \(self.concurrency))")
        }
        guard self.idleInterval > .zero, self.callTimeout > .zero else {
            throw UplinkError("uplink.idle_interval and uplink.call_timeout must be positive")
        }
        try self.backoff.validate()
    }
}

/// A setup failure of the uplink (the message names the field).
public struct UplinkError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { self.message }
}
