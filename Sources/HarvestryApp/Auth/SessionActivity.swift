import Foundation
import Synchronization

/// Decides when an authenticated call should record its session's activity: at most once per `interval` per
/// session on this instance (the database's own condition makes it at most once per interval across instances),
/// so that `device_sessions.last_activity_at` stays current without a write per call.
final class SessionActivity: Sendable {
    let interval: Duration
    private let recorded = Mutex<[UUID: ContinuousClock.Instant]>([:])
    /// Past this many sessions, entries older than `interval` are dropped.
    private let pruneAbove: Int

    init(interval: Duration, pruneAbove: Int = 10_000) {
        self.interval = interval
        self.pruneAbove = pruneAbove
    }

    /// Whether to record `session`'s activity now; when it says yes, it counts as recorded.
    func shouldRecord(_ session: UUID, now: ContinuousClock.Instant = .now) -> Bool {
        self.recorded.withLock { recorded in
            if let last = recorded[session], now - last < self.interval { return false }
            if recorded.count >= self.pruneAbove {
                recorded = recorded.filter { now - $0.value < self.interval }
            }
            recorded[session] = now
            return true
        }
    }
}
