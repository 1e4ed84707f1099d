import Bus
import CoreTransport
import Logging

/// Raw `serve` settings from flags and environment, parsed into a `ServeConfiguration` with errors that name the
/// flag and the variable.
public struct Settings: Sendable {
    public enum Key: String, CaseIterable, Sendable {
        case host, port, tlsCert, tlsKey, tlsClientCA, requireClientCert, maxMessageBytes, keepaliveSeconds
        case compression, gracePeriodSeconds, logLevel
        case databaseURL, dataDir, noMigrate, tokenKey, mqttURL, mqttClientID

        /// The command-line flag, e.g. `--max-message-bytes`.
        public var flag: String {
            switch self {
            case .host: return "--host"
            case .port: return "--port"
            case .tlsCert: return "--tls-cert"
            case .tlsKey: return "--tls-key"
            case .tlsClientCA: return "--tls-client-ca"
            case .requireClientCert: return "--require-client-cert"
            case .maxMessageBytes: return "--max-message-bytes"
            case .keepaliveSeconds: return "--keepalive-seconds"
            case .compression: return "--compression"
            case .gracePeriodSeconds: return "--grace-period-seconds"
            case .logLevel: return "--log-level"
            case .databaseURL: return "--database-url"
            case .dataDir: return "--data-dir"
            case .noMigrate: return "--no-migrate"
            case .tokenKey: return "--token-key"
            case .mqttURL: return "--mqtt-url"
            case .mqttClientID: return "--mqtt-client-id"
            }
        }

        /// The environment variable, e.g. `HARVESTRY_MAX_MESSAGE_BYTES`.
        public var environmentVariable: String {
            switch self {
            case .gracePeriodSeconds: return "HARVESTRY_GRACE_SECONDS"
            case .tlsClientCA: return "HARVESTRY_TLS_CLIENT_CA"
            case .databaseURL: return "DATABASE_URL"
            case .mqttURL: return "MQTT_URL"
            case .mqttClientID: return "HARVESTRY_MQTT_CLIENT_ID"
            default:
                let snake = self.rawValue.reduce(into: "") { result, character in
                    if character.isUppercase { result += "_" }
                    result += character.uppercased()
                }
                return "HARVESTRY_" + snake
            }
        }
    }

    private let flags: [Key: String]
    private let environment: [String: String]

    public init(flags: [Key: String], environment: [String: String]) {
        self.flags = flags
        self.environment = environment
    }

    /// The value from the flag, else the environment; with where it came from, for error messages.
    private func raw(_ key: Key) -> (value: String, source: String)? {
        if let value = self.flags[key] { return (value, key.flag) }
        if let value = self.environment[key.environmentVariable] { return (value, key.environmentVariable) }
        return nil
    }

    private func integer(_ key: Key, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let (value, source) = self.raw(key) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(
                field: source,
                message: "'\(value)' is not a whole number between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return number
    }

    public func serveConfiguration() throws(ConfigurationError) -> ServeConfiguration {
        var configuration = ServeConfiguration()
        if let (host, _) = self.raw(.host) { configuration.host = host }
        if let port = try self.integer(.port, in: 0...65_535) { configuration.port = port }
        var transport = CoreServerTransport.Config()
        if let bytes = try self.integer(.maxMessageBytes, in: 1...(1 << 30)) {
            transport.maxReceiveMessageBytes = bytes
            transport.maxSendMessageBytes = bytes
        }
        if let seconds = try self.integer(.keepaliveSeconds, in: 0...86_400), seconds > 0 {
            transport.keepalive = Keepalive(interval: .seconds(seconds), timeout: .seconds(max(1, min(20, seconds))))
        }
        if let (value, source) = self.raw(.compression) {
            guard let compression = MessageCompression(rawValue: value.lowercased()) else {
                let names = MessageCompression.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(field: source, message: "'\(value)' is not one of \(names)")
            }
            transport.compression = compression
        }
        if let seconds = try self.integer(.gracePeriodSeconds, in: 0...3_600) {
            transport.shutdownGracePeriod = .seconds(seconds)
        }
        transport.tls = try self.tls()
        configuration.transport = transport
        return configuration
    }

    private func tls() throws(ConfigurationError) -> TLSFiles? {
        let cert = self.raw(.tlsCert)?.value
        let key = self.raw(.tlsKey)?.value
        let clientCA = self.raw(.tlsClientCA)?.value
        let requireClientCert = self.raw(.requireClientCert).map {
            ["1", "true", "yes"].contains($0.value.lowercased())
        }
        guard cert != nil || key != nil || clientCA != nil || requireClientCert == true else { return nil }
        guard cert != nil else {
            throw ConfigurationError(field: "--tls-cert", message: "TLS needs a certificate chain as well as a key")
        }
        guard key != nil else {
            throw ConfigurationError(field: "--tls-key", message: "TLS needs a private key for --tls-cert")
        }
        return TLSFiles(
            certificateChainPath: cert,
            privateKeyPath: key,
            trustRootsPath: clientCA,
            requireClientCertificate: requireClientCert ?? false
        )
    }

    /// Where the data lives: `DATABASE_URL` or the embedded server in the data directory, migrations, token key.
    public func dataConfiguration() throws(ConfigurationError) -> DataConfiguration {
        var configuration = DataConfiguration()
        if let (url, _) = self.raw(.databaseURL), !url.isEmpty { configuration.databaseURL = url }
        if let (directory, source) = self.raw(.dataDir) {
            guard !directory.isEmpty else { throw ConfigurationError(field: source, message: "must not be empty") }
            configuration.dataDirectory = directory
        }
        if let (value, _) = self.raw(.noMigrate) {
            configuration.migrate = !["1", "true", "yes"].contains(value.lowercased())
        }
        if let (secret, source) = self.raw(.tokenKey) {
            guard secret.utf8.count >= TokenKey.minimumBytes else {
                throw ConfigurationError(field: source, message: "must be at least \(TokenKey.minimumBytes) bytes")
            }
            configuration.tokenSecret = secret
        }
        return configuration
    }

    /// `MQTT_URL` / `--mqtt-url` (`mqtt://host:port`); nil (unset or empty) runs the embedded broker.
    public func mqttEndpoint() throws(ConfigurationError) -> MQTTEndpoint? {
        guard let (url, source) = self.raw(.mqttURL), !url.isEmpty else { return nil }
        do {
            return try MQTTEndpoint(url: url, field: source)
        } catch {
            let prefix = "\(source): "
            let message = error.message.hasPrefix(prefix) ? error.message.dropFirst(prefix.count) : error.message[...]
            throw ConfigurationError(field: source, message: String(message))
        }
    }

    /// `HARVESTRY_MQTT_CLIENT_ID` / `--mqtt-client-id`: the client id of this instance's persistent ingest session;
    /// nil uses the id kept in the data directory (`IngestClientID`).
    public func mqttClientID() throws(ConfigurationError) -> String? {
        guard let (id, source) = self.raw(.mqttClientID), !id.isEmpty else { return nil }
        do {
            try TopicValidation.validateClientID(id, field: source)
        } catch {
            throw ConfigurationError(field: source, message: "must be 1-23 letters, digits, '-' or '_'")
        }
        return id
    }

    public func logLevel() throws(ConfigurationError) -> Logger.Level {
        guard let (value, source) = self.raw(.logLevel) else { return .info }
        guard let level = Logger.Level(rawValue: value.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(field: source, message: "'\(value)' is not one of \(names)")
        }
        return level
    }
}
