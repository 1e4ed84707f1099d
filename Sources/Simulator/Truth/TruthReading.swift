/// One reading of a published telemetry batch, as the batch carried it (`values` of a `published` record): what a
/// drill matches the platform's stored readings against, by (device, stream, timestamp).
public struct TruthReading: Codable, Hashable, Sendable {
    public var stream: String
    /// The reading's timestamp, nanoseconds since the Unix epoch.
    public var simNanos: Int64
    /// nil when the value was not finite (JSON has no NaN or infinity).
    public var value: Double?

    public init(stream: String, simNanos: Int64, value: Double?) {
        self.stream = stream
        self.simNanos = simNanos
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case stream, value
        case simNanos = "sim_ns"
    }
}
