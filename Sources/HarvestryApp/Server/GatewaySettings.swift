import Gateway

/// The JSON gateway's settings from flags and environment: `--http-host` (HARVESTRY_HTTP_HOST, default the gRPC
/// host), `--http-port` (HARVESTRY_HTTP_PORT, default 8080), `--cors-origins` (HARVESTRY_CORS_ORIGINS,
/// comma-separated), `--max-body-bytes` (HARVESTRY_MAX_BODY_BYTES), `--no-gateway` (HARVESTRY_NO_GATEWAY=1).
public struct GatewaySettings: Sendable {
    public enum Key: String, CaseIterable, Sendable {
        case httpHost = "http-host"
        case httpPort = "http-port"
        case corsOrigins = "cors-origins"
        case maxBodyBytes = "max-body-bytes"
        case noGateway = "no-gateway"

        public var flag: String { "--" + self.rawValue }
        public var environmentVariable: String {
            "HARVESTRY_" + self.rawValue.uppercased().replacing("-", with: "_")
        }
    }

    private let flags: [Key: String]
    private let environment: [String: String]

    public init(flags: [Key: String], environment: [String: String]) {
        self.flags = flags
        self.environment = environment
    }

    private func raw(_ key: Key) -> (value: String, source: String)? {
        if let value = self.flags[key] { return (value, key.flag) }
        if let value = self.environment[key.environmentVariable] { return (value, key.environmentVariable) }
        return nil
    }

    /// The gateway's configuration, or nil when `--no-gateway` turns it off.
    public func configuration(defaultHost: String) throws(ConfigurationError) -> GatewayConfiguration? {
        if let (value, _) = self.raw(.noGateway), ["1", "true", "yes"].contains(value.lowercased()) { return nil }
        var configuration = GatewayConfiguration(host: defaultHost)
        if let (host, source) = self.raw(.httpHost) {
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
                throw ConfigurationError(field: source, message: "'\(host)' is not an IP address or host name")
            }
            configuration.host = host
        }
        if let (value, source) = self.raw(.httpPort) {
            guard let port = Int(value), (0...65_535).contains(port) else {
                throw ConfigurationError(field: source, message: "'\(value)' is not a whole number between 0 and 65535")
            }
            configuration.port = port
        }
        if let (value, source) = self.raw(.maxBodyBytes) {
            guard let bytes = Int(value), (1...(1 << 30)).contains(bytes) else {
                throw ConfigurationError(field: source, message: "'\(value)' is not between 1 and \(1 << 30)")
            }
            configuration.maxBodyBytes = bytes
        }
        if let (value, source) = self.raw(.corsOrigins) {
            let origins = value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            for origin in origins where origin != "*" && !(origin.hasPrefix("http://") || origin.hasPrefix("https://"))
            {
                throw ConfigurationError(
                    field: source,
                    message: "'\(origin)' is not an origin like https://app.example.com or *"
                )
            }
            configuration.corsOrigins = origins
        }
        return configuration
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
