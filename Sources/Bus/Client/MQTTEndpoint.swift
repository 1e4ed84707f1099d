/// Where a broker listens, from a URL `mqtt://host[:port]` (port 1883 when omitted).
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `mqtt://host:port`; errors name `field` (e.g. `MQTT_URL`). No credentials, path or TLS (`mqtts`).
    public init(url: String, field: String = "url") throws(BusError) {
        let scheme = "mqtt://"
        guard url.hasPrefix(scheme) else {
            throw BusError.invalid(field, "must be mqtt://host:port (got '\(url.prefix(80))')")
        }
        let authority = url.dropFirst(scheme.count)
        guard !authority.contains("/"), !authority.contains("@"), !authority.contains("?") else {
            throw BusError.invalid(
                field,
                "must be mqtt://host:port with no user, path or query (got '\(url.prefix(80))')"
            )
        }
        var host = Substring(authority)
        var port = 1883
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                throw BusError.invalid(field, "the port must be a number between 1 and 65535 (got '\(url.prefix(80))')")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains(" ") else {
            throw BusError.invalid(field, "must name a host: mqtt://host:port (got '\(url.prefix(80))')")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String {
        self.host.contains(":") ? "mqtt://[\(self.host)]:\(self.port)" : "mqtt://\(self.host):\(self.port)"
    }
}
