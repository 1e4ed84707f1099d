/// TLS settings read from PEM files.
public struct TLSFiles: Sendable, Hashable {
    /// PEM certificate chain presented to the peer.
    public var certificateChainPath: String?
    /// PEM private key matching the certificate chain.
    public var privateKeyPath: String?
    /// PEM roots used to verify the peer (on a server: client certificates for mutual TLS).
    public var trustRootsPath: String?
    /// Server only: require and verify a client certificate against `trustRootsPath`.
    public var requireClientCertificate: Bool

    public init(
        certificateChainPath: String? = nil,
        privateKeyPath: String? = nil,
        trustRootsPath: String? = nil,
        requireClientCertificate: Bool = false
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.trustRootsPath = trustRootsPath
        self.requireClientCertificate = requireClientCertificate
    }
}

/// HTTP/2 keepalive pings.
public struct Keepalive: Sendable, Hashable {
    /// How long the connection may be idle before a ping is sent.
    public var interval: Duration
    /// How long to wait for the ping's acknowledgement before closing the connection.
    public var timeout: Duration
    /// Whether to ping while no call is open.
    public var permitWithoutCalls: Bool

    public init(interval: Duration = .seconds(60), timeout: Duration = .seconds(20), permitWithoutCalls: Bool = false) {
        self.interval = interval
        self.timeout = timeout
        self.permitWithoutCalls = permitWithoutCalls
    }
}

/// Message compression for outbound messages; inbound messages are always decompressed.
public enum MessageCompression: String, Sendable, Hashable, CaseIterable {
    case none
    case deflate
    case gzip

    /// The C core's `grpc_compression_algorithm` value.
    var algorithm: Int {
        switch self {
        case .none: return 0
        case .deflate: return 1
        case .gzip: return 2
        }
    }
}

/// Errors raised while setting up a transport.
public struct TransportSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case bindFailed
        case unreadableFile
        case invalidConfiguration
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = self.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
