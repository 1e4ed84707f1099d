/// A network fault a `FaultProxy` applies, after Toxiproxy's toxics: what it does (`kind`), which way (`direction`),
/// on what share of connections (`toxicity`) and for how long (`lifetime`). `validate()` names the bad field.
public struct Toxic: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The proxy closes every open connection and closes each new one as soon as it is accepted.
        case down
        /// Data is accepted and swallowed; nothing is forwarded, the connection stays open.
        case blackhole
        /// Every chunk is delayed by `latency` plus a uniform random offset in `-jitter...jitter` (never below zero);
        /// order is kept.
        case latency(Duration, jitter: Duration)
        /// At most `kilobytesPerSecond` x 1000 bytes a second.
        case bandwidth(kilobytesPerSecond: Int)
        /// The connection is reset (TCP RST towards the side(s) of `direction`) `after` the toxic applies to it.
        case resetPeer(after: Duration)
        /// Chunks are split into pieces of `averageSize` +/- `sizeVariation` bytes, `delay` apart.
        case slicer(averageSize: Int, sizeVariation: Int, delay: Duration)
        /// `bytes` bytes are forwarded (counted per connection from when the toxic applies), then it is closed.
        case limitData(bytes: Int)
        /// Data is swallowed, and the connection closed `after` (nil: held open until the toxic is removed).
        case timeout(after: Duration?)
        /// The first `count` connections accepted after the toxic is added are closed at once.
        case dropFirstConnections(count: Int)
        /// The first `count` chunks (reads) after the toxic is added, over all connections, are swallowed.
        case dropFirstChunks(count: Int)

        /// The Toxiproxy-style type name (`reset_peer`, `limit_data`, ...), used in logs and descriptions.
        public var typeName: String {
            switch self {
            case .down: "down"
            case .blackhole: "blackhole"
            case .latency: "latency"
            case .bandwidth: "bandwidth"
            case .resetPeer: "reset_peer"
            case .slicer: "slicer"
            case .limitData: "limit_data"
            case .timeout: "timeout"
            case .dropFirstConnections: "drop_first_connections"
            case .dropFirstChunks: "drop_first_chunks"
            }
        }

        /// Whole-connection faults: a TCP connection exists in both directions at once, so these take `both`.
        /// One-direction cuts are `blackhole` or `timeout` with `upstream` or `downstream`.
        var actsOnWholeConnections: Bool {
            switch self {
            case .down, .dropFirstConnections: true
            default: false
            }
        }
    }

    /// Unique among a proxy's active toxics: 1-64 letters, digits, `_`, `-` or `.`.
    public var name: String
    public var kind: Kind
    public var direction: ToxicDirection
    /// The share of connections it applies to, 0...1 (decided once per connection, reproducibly from the proxy's
    /// seed); 1 applies it to all.
    public var toxicity: Double
    public var lifetime: ToxicLifetime

    public init(
        name: String? = nil,
        _ kind: Kind,
        direction: ToxicDirection = .both,
        toxicity: Double = 1,
        lifetime: ToxicLifetime = .held
    ) {
        self.name = name ?? "\(kind.typeName)_\(direction.rawValue)"
        self.kind = kind
        self.direction = direction
        self.toxicity = toxicity
        self.lifetime = lifetime
    }
}

/// How long a toxic stays: until removed, or removed by the proxy itself after a duration.
public enum ToxicLifetime: Sendable, Hashable {
    case held
    case timed(Duration)
}
