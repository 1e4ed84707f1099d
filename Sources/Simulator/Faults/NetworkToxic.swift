/// A Toxiproxy-style toxic for the fault proxy between a device group and the broker. It mirrors the fault proxy's
/// `Toxic` (Sources/Simulator/FaultProxy), so a `NetworkFaultTarget` over the proxy maps it one to one; the
/// injector owns its lifetime (timed on the simulation's clock, or held), so the proxy is given it held.
public struct NetworkToxic: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case down
        case blackhole
        case latency(Duration, jitter: Duration)
        case bandwidth(kilobytesPerSecond: Int)
        case resetPeer(after: Duration)
        case slicer(averageSize: Int, sizeVariation: Int, delay: Duration)
        case limitData(bytes: Int)
        /// nil: the connection is held open until the toxic is removed.
        case timeout(after: Duration?)
        case dropFirstConnections(count: Int)
        case dropFirstChunks(count: Int)

        /// Toxiproxy's type name (`reset_peer`, `limit_data`, ...).
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
    }

    /// Which way: `upstream` device -> broker, `downstream` broker -> device.
    public enum Direction: String, Hashable, Sendable, CaseIterable {
        case upstream, downstream, both
    }

    public var kind: Kind
    public var direction: Direction
    /// The share of connections it applies to, in (0, 1].
    public var toxicity: Double

    public init(_ kind: Kind, direction: Direction = .both, toxicity: Double = 1) {
        self.kind = kind
        self.direction = direction
        self.toxicity = toxicity
    }
}
