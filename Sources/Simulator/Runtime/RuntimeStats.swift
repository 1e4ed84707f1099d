import Synchronization

/// What the runtime has done so far, for the live summary and the benchmark. Thread-safe.
public final class RuntimeStats: Sendable {
    public struct Snapshot: Hashable, Sendable {
        public var devices = 0
        public var connections = 0
        public var connected = 0
        /// Messages handed to a broker connection (live or replayed from a spool).
        public var published = 0
        /// Of those, acknowledged by the broker (PUBACK).
        public var acknowledged = 0
        /// Handed to libmosquitto while its connection was breaking: it sends them after the reconnect.
        public var handedOver = 0
        public var failed = 0
        /// Messages waiting in spools now.
        public var spooled = 0
        /// Messages that went through a spool since the start.
        public var replayed = 0
        public var commands = 0
        public var rejectedCommands = 0
        public var faultsActive = 0
        /// The simulation's clock.
        public var simNanos: Int64 = 0
    }

    private let state = Mutex(Snapshot())
    private let jitter = Mutex(JitterSamples())

    public init() {}

    public var snapshot: Snapshot { self.state.withLock { $0 } }

    public func update(_ body: (inout Snapshot) -> Void) {
        self.state.withLock { body(&$0) }
    }

    /// The number of active faults, for whoever applies them (shown in the live summary).
    public func setFaultsActive(_ count: Int) {
        self.state.withLock { $0.faultsActive = count }
    }

    /// Records how late a message was handed to its connection relative to when it was due.
    func recordLateness(_ lateness: Duration) {
        self.jitter.withLock { $0.add(lateness.nanoseconds) }
    }

    /// Publish lateness percentiles (actual hand-off minus scheduled time) of messages sent live.
    public func latenessPercentiles(_ percentiles: [Double]) -> [Duration] {
        self.jitter.withLock { $0.percentiles(percentiles) }
    }
}

/// Lateness samples in nanoseconds; at most `capacity` kept (later ones replace a pseudo-random earlier one, so
/// the percentiles stay representative of the whole run in bounded memory).
struct JitterSamples: Sendable {
    static let capacity = 1_000_000
    private(set) var samples: [Int64] = []
    private var seen: UInt64 = 0
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    mutating func add(_ nanoseconds: Int64) {
        self.seen += 1
        if self.samples.count < Self.capacity {
            self.samples.append(nanoseconds)
            return
        }
        self.random ^= self.random << 13
        self.random ^= self.random >> 7
        self.random ^= self.random << 17
        let slot = self.random % self.seen
        if slot < UInt64(Self.capacity) { self.samples[Int(slot)] = nanoseconds }
    }

    func percentiles(_ percentiles: [Double]) -> [Duration] {
        guard !self.samples.isEmpty else { return percentiles.map { _ in .zero } }
        let sorted = self.samples.sorted()
        return percentiles.map { percentile in
            let index = min(sorted.count - 1, max(0, Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1))
            return .nanoseconds(sorted[index])
        }
    }
}
