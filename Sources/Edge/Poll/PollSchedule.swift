/// When the next request of a device may go out, as a pure value: never sooner than `requestGap` after the previous
/// request ended, and never sooner than `pollInterval` after the previous read of the same block ended (a WiNet-S
/// counts both: HC-004 "min 5 s poll, 20 ms inter-register delay"). Measured from the end of a request (its reply,
/// timeout or failure), so a slow reply can only lengthen the gaps the device sees.
public struct PollSchedule: Sendable {
    public let pollInterval: Duration
    public let requestGap: Duration
    public let maxBackoff: Duration
    private var lastRequestEnd: ContinuousClock.Instant?
    private var lastBlockEnd: [Int: ContinuousClock.Instant] = [:]

    public init(pollInterval: Duration, requestGap: Duration, maxBackoff: Duration) {
        self.pollInterval = pollInterval
        self.requestGap = requestGap
        self.maxBackoff = max(maxBackoff, pollInterval)
    }

    /// The earliest instant block `block` may be requested; nil: now.
    public func earliest(block: Int) -> ContinuousClock.Instant? {
        let afterGap = self.lastRequestEnd.map { $0 + self.requestGap }
        let afterInterval = self.lastBlockEnd[block].map { $0 + self.pollInterval }
        switch (afterGap, afterInterval) {
        case let (gap?, interval?): return max(gap, interval)
        case let (gap, interval): return gap ?? interval
        }
    }

    /// Block `block`'s request ended (answered or not) at `instant`.
    public mutating func ended(block: Int, at instant: ContinuousClock.Instant) {
        self.lastRequestEnd = instant
        self.lastBlockEnd[block] = instant
    }

    /// From one poll's start to the next: the interval, doubled for each failed poll in a row, up to `maxBackoff`.
    public func delay(afterConsecutiveFailures failures: Int) -> Duration {
        var delay = self.pollInterval
        for _ in 0..<min(failures, 32) {
            delay = delay * 2
            if delay >= self.maxBackoff { return self.maxBackoff }
        }
        return delay
    }
}
