/// A toxic as outside input (JSON, a CLI, a gRPC request), in Toxiproxy's shape: a `type`, a `stream`, integer
/// `attributes` in Toxiproxy's units, plus how long it lasts. `toxic()` validates it into a `Toxic`, naming the bad
/// field.
///
/// Attributes by type (missing ones default to 0 unless said otherwise):
/// - `latency`: `latency` (ms), `jitter` (ms)
/// - `bandwidth`: `rate` (KB/s, required)
/// - `reset_peer`: `timeout` (ms)
/// - `slicer`: `average_size` (bytes, required), `size_variation` (bytes), `delay` (microseconds)
/// - `limit_data`: `bytes` (required)
/// - `timeout`: `timeout` (ms; 0 holds the connection open)
/// - `drop_first_connections`, `drop_first_chunks`: `count` (required)
/// - `down`, `blackhole`: none
public struct ToxicDescription: Sendable, Hashable, Codable {
    /// Defaults to `{type}_{stream}`, as in Toxiproxy.
    public var name: String?
    public var type: String
    /// `upstream`, `downstream` or `both` (the default).
    public var stream: String?
    /// 0...1, default 1.
    public var toxicity: Double?
    public var attributes: [String: Int64]
    /// Removed by the proxy after this many milliseconds; nil (or absent) holds it until removed.
    public var durationMilliseconds: Int64?

    enum CodingKeys: String, CodingKey {
        case name, type, stream, toxicity, attributes
        case durationMilliseconds = "duration_ms"
    }

    public init(
        name: String? = nil,
        type: String,
        stream: String? = nil,
        toxicity: Double? = nil,
        attributes: [String: Int64] = [:],
        durationMilliseconds: Int64? = nil
    ) {
        self.name = name
        self.type = type
        self.stream = stream
        self.toxicity = toxicity
        self.attributes = attributes
        self.durationMilliseconds = durationMilliseconds
    }

    /// The validated toxic.
    public func toxic() throws(FaultProxyError) -> Toxic {
        let direction = try ToxicDirection(parsing: self.stream ?? "both")
        let lifetime: ToxicLifetime =
            if let duration = self.durationMilliseconds {
                .timed(.milliseconds(duration))
            } else {
                .held
            }
        let toxic = Toxic(
            name: self.name,
            try self.kind(),
            direction: direction,
            toxicity: self.toxicity ?? 1,
            lifetime: lifetime
        )
        try toxic.validate()
        return toxic
    }

    private func kind() throws(FaultProxyError) -> Toxic.Kind {
        switch self.type {
        case "down":
            try self.expectAttributes([])
            return .down
        case "blackhole":
            try self.expectAttributes([])
            return .blackhole
        case "latency":
            try self.expectAttributes(["latency", "jitter"])
            return .latency(.milliseconds(self.value("latency")), jitter: .milliseconds(self.value("jitter")))
        case "bandwidth":
            try self.expectAttributes(["rate"], required: ["rate"])
            return .bandwidth(kilobytesPerSecond: try self.int("rate"))
        case "reset_peer":
            try self.expectAttributes(["timeout"])
            return .resetPeer(after: .milliseconds(self.value("timeout")))
        case "slicer":
            try self.expectAttributes(["average_size", "size_variation", "delay"], required: ["average_size"])
            return .slicer(
                averageSize: try self.int("average_size"),
                sizeVariation: try self.int("size_variation"),
                delay: .microseconds(self.value("delay"))
            )
        case "limit_data":
            try self.expectAttributes(["bytes"], required: ["bytes"])
            return .limitData(bytes: try self.int("bytes"))
        case "timeout":
            try self.expectAttributes(["timeout"])
            let timeout = self.value("timeout")
            return .timeout(after: timeout == 0 ? nil : .milliseconds(timeout))
        case "drop_first_connections":
            try self.expectAttributes(["count"], required: ["count"])
            return .dropFirstConnections(count: try self.int("count"))
        case "drop_first_chunks":
            try self.expectAttributes(["count"], required: ["count"])
            return .dropFirstChunks(count: try self.int("count"))
        default:
            throw FaultProxyError.invalid(
                "type",
                "'\(self.type.prefix(40))' is not one of down, blackhole, latency, bandwidth, reset_peer, slicer,"
                    + " limit_data, timeout, drop_first_connections, drop_first_chunks"
            )
        }
    }

    private func expectAttributes(_ known: Set<String>, required: Set<String> = []) throws(FaultProxyError) {
        if let unknown = self.attributes.keys.sorted().first(where: { !known.contains($0) }) {
            throw FaultProxyError.invalid("attributes.\(unknown)", "is not an attribute of \(self.type)")
        }
        if let missing = required.sorted().first(where: { self.attributes[$0] == nil }) {
            throw FaultProxyError.invalid("attributes.\(missing)", "is required for \(self.type)")
        }
    }

    private func value(_ key: String) -> Int64 { self.attributes[key] ?? 0 }

    private func int(_ key: String) throws(FaultProxyError) -> Int {
        guard let value = Int(exactly: self.value(key)) else {
            throw FaultProxyError.invalid("attributes.\(key)", "is out of range")
        }
        return value
    }
}
