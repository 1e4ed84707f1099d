import Foundation
import Synchronization

/// What the uplink has done since start, for `/healthz` and `/metrics`.
public final class UplinkMetrics: Sendable {
    private let state = Mutex(UplinkSnapshot())

    public init() {}

    public func snapshot() -> UplinkSnapshot { self.state.withLock { $0 } }

    func delivered(accepted: Int, duplicates: Int, at time: Date) {
        self.state.withLock {
            $0.acceptedReadings += UInt64(max(accepted, 0))
            $0.duplicateReadings += UInt64(max(duplicates, 0))
            $0.lastSuccess = time
            $0.consecutiveFailures = 0
            $0.lastError = nil
        }
    }

    func acknowledged(batches: Int = 1) {
        self.state.withLock { $0.acknowledgedBatches += UInt64(batches) }
    }

    func failed(code: String, message: String) {
        self.state.withLock {
            $0.errors[code, default: 0] += 1
            $0.consecutiveFailures += 1
            $0.lastError = message
        }
    }

    func rejected(readings: Int) {
        self.state.withLock { $0.rejectedReadings += UInt64(readings) }
    }
}

/// The uplink's counters at one instant.
public struct UplinkSnapshot: Sendable, Hashable {
    /// Readings the platform stored.
    public var acceptedReadings: UInt64 = 0
    /// Readings the platform already had (replays).
    public var duplicateReadings: UInt64 = 0
    /// Readings the platform refused for good (logged at error level).
    public var rejectedReadings: UInt64 = 0
    /// Spool batches delivered and acknowledged.
    public var acknowledgedBatches: UInt64 = 0
    /// Failed calls by gRPC status code (or `spool`).
    public var errors: [String: UInt64] = [:]
    public var consecutiveFailures: Int = 0
    public var lastSuccess: Date?
    public var lastError: String?

    public init() {}
}
