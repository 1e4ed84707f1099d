import CoreTransport

/// Everything `harvestry serve` needs to start, validated before anything binds.
public struct ServeConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var transport: CoreServerTransport.Config

    public init(host: String = "127.0.0.1", port: Int = 50051, transport: CoreServerTransport.Config = .init()) {
        self.host = host
        self.port = port
        self.transport = transport
    }

    /// Checks every field and names the first bad one.
    public func validate() throws(ConfigurationError) {
        guard !self.host.isEmpty, !self.host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw ConfigurationError(field: "host", message: "'\(self.host)' is not an IP address or host name")
        }
        guard (0...65_535).contains(self.port) else {
            throw ConfigurationError(field: "port", message: "\(self.port) is not between 0 and 65535")
        }
        let limit = 1 << 30
        guard (1...limit).contains(self.transport.maxReceiveMessageBytes) else {
            throw ConfigurationError(field: "max-message-bytes", message: "must be between 1 and \(limit)")
        }
        if let tls = self.transport.tls {
            guard tls.certificateChainPath != nil, tls.privateKeyPath != nil else {
                throw ConfigurationError(field: "tls-cert", message: "TLS needs both --tls-cert and --tls-key")
            }
            if tls.requireClientCertificate && tls.trustRootsPath == nil {
                throw ConfigurationError(
                    field: "tls-client-ca",
                    message: "--require-client-cert needs --tls-client-ca to verify client certificates"
                )
            }
        }
        guard self.transport.shutdownGracePeriod >= .zero else {
            throw ConfigurationError(field: "grace-period", message: "must not be negative")
        }
    }
}

/// A configuration value that cannot be used, naming the flag (or environment variable) it came from.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "invalid \(self.field): \(self.message)" }
}
