import Synchronization

/// Ingest counters (exported as `harvestry_ingest_*` once the metrics endpoint exists): readings stored, readings
/// that were duplicates, readings rejected by validation, and dead-lettered payloads by reason; and how well group
/// commit works: device batches stored against the store transactions (`writes`) that carried them.
public final class TelemetryCounters: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var accepted: Int
        public var duplicates: Int
        public var rejected: Int
        public var deadLetters: [String: Int]
        /// Device batches handed to the store.
        public var batches: Int
        /// Store transactions that wrote them (group commit merges concurrent batches of a site).
        public var writes: Int
    }

    private let state = Mutex(
        Snapshot(accepted: 0, duplicates: 0, rejected: 0, deadLetters: [:], batches: 0, writes: 0)
    )

    public init() {}

    public var snapshot: Snapshot { self.state.withLock { $0 } }

    func record(accepted: Int, duplicates: Int, rejected: Int) {
        self.state.withLock {
            $0.accepted += accepted
            $0.duplicates += duplicates
            $0.rejected += rejected
            $0.batches += 1
        }
    }

    func wrote() {
        self.state.withLock { $0.writes += 1 }
    }

    func deadLettered(reason: String) {
        self.state.withLock { $0.deadLetters[reason, default: 0] += 1 }
    }
}
