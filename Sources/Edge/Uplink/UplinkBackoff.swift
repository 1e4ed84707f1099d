/// How long the uplink waits after a failed delivery: `initial`, doubling per consecutive failure up to
/// `maximum`, each delay spread by ± `jitter` so many agents do not retry in step after a platform outage. Pure.
public struct UplinkBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    /// Fraction of the delay (0 ... 1) it is spread by.
    public var jitter: Double

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (1 after the first failure); `random` is uniform in 0 ..< 1.
    public func delay(attempt: Int, random: Double) -> Duration {
        let doublings = min(max(attempt - 1, 0), 40)
        var base = self.initial
        for _ in 0..<doublings where base < self.maximum { base = base * 2 }
        base = min(base, self.maximum)
        let factor = 1 + self.jitter * (2 * random - 1)
        return base * factor
    }

    func validate() throws(UplinkError) {
        guard self.initial > .zero, self.maximum >= self.initial else {
            throw UplinkError("uplink.backoff: initial must be positive and at most maximum")
        }
        guard (0...1).contains(self.jitter) else { throw UplinkError("uplink.backoff.jitter must be between 0 and 1") }
    }
}
