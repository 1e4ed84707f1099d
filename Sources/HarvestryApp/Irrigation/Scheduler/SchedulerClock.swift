import Foundation

/// The scheduler's time: what time it is, and a sleep until an instant. Injected so tests drive the scheduler with
/// a clock they move themselves instead of waiting for wall time.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns at or after `deadline` (by this clock), or throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// Wall time.
public struct WallSchedulerClock: SchedulerClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1_000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}
