/// A device's request-pacing rules as a pure state machine: a cap on registers per read, a minimum gap between
/// requests, and a lock-up when the gap is broken too often in a row (the device stops answering for a while, as
/// a Sungrow WiNet-S dongle does when polled too hard). Fed every request with the instant it arrived.
public struct RequestPacing: Sendable {
    public struct Rules: Hashable, Sendable {
        /// Reads of more registers than this are refused with `oversizedReadException`.
        public var maxReadCount: Int
        public var oversizedReadException: ModbusExceptionCode
        /// A request sooner than this after the previous one is a violation (still served, unless it locks up).
        public var minimumGap: Duration
        /// This many violations in a row lock the device up; a request that keeps the gap resets the count.
        public var violationsBeforeLockup: Int
        /// How long a locked-up device ignores every request.
        public var lockupDuration: Duration
        /// A read of the same block (function, address, count) sooner than this after its previous read is a
        /// violation, counted like a broken gap. nil: no per-block rule.
        public var blockPollInterval: Duration?

        public init(
            maxReadCount: Int,
            oversizedReadException: ModbusExceptionCode = .illegalDataValue,
            minimumGap: Duration,
            violationsBeforeLockup: Int,
            lockupDuration: Duration,
            blockPollInterval: Duration? = nil
        ) throws(ModbusError) {
            guard (1...ModbusLimits.maxReadCount).contains(maxReadCount) else {
                throw .invalid("maxReadCount", "must be 1...\(ModbusLimits.maxReadCount), got \(maxReadCount)")
            }
            guard minimumGap >= .zero else { throw .invalid("minimumGap", "must not be negative") }
            guard violationsBeforeLockup >= 1 else {
                throw .invalid("violationsBeforeLockup", "must be at least 1, got \(violationsBeforeLockup)")
            }
            guard lockupDuration > .zero else { throw .invalid("lockupDuration", "must be positive") }
            if let blockPollInterval, blockPollInterval <= .zero {
                throw .invalid("blockPollInterval", "must be positive")
            }
            self.blockPollInterval = blockPollInterval
            self.maxReadCount = maxReadCount
            self.oversizedReadException = oversizedReadException
            self.minimumGap = minimumGap
            self.violationsBeforeLockup = violationsBeforeLockup
            self.lockupDuration = lockupDuration
        }
    }

    /// Why the request got its disposition (for logs and tests).
    public enum Reason: Hashable, Sendable {
        case paced
        /// Sooner than the minimum gap; `violations` in a row so far.
        case tooEarly(violations: Int)
        case oversizedRead
        /// This request broke the gap once too often: the lock-up starts now.
        case lockupStarted
        case lockedUp
    }

    public let rules: Rules
    public private(set) var lockedUntil: ContinuousClock.Instant?
    private var previous: ContinuousClock.Instant?
    private var violations = 0
    /// When each block was last read (only with `blockPollInterval`).
    private var lastBlockPoll: [BlockKey: ContinuousClock.Instant] = [:]

    private struct BlockKey: Hashable {
        var function: ModbusFunction
        var address: UInt16
        var count: Int
    }

    public init(rules: Rules) {
        self.rules = rules
    }

    public mutating func admit(
        _ request: ModbusRequest,
        at now: ContinuousClock.Instant
    ) -> (disposition: ModbusDisposition, reason: Reason) {
        if let until = self.lockedUntil {
            if now < until { return (.noReply, .lockedUp) }
            self.lockedUntil = nil
            self.previous = nil
            self.violations = 0
            self.lastBlockPoll = [:]
        }
        let blockTooSoon = self.pollsBlockTooSoon(request, at: now)
        let early = blockTooSoon || (self.previous.map { now - $0 < self.rules.minimumGap } ?? false)
        self.previous = now
        if early {
            self.violations += 1
            if self.violations >= self.rules.violationsBeforeLockup {
                self.lockedUntil = now + self.rules.lockupDuration
                self.violations = 0
                return (.noReply, .lockupStarted)
            }
        } else {
            self.violations = 0
        }
        if !request.function.isWrite && request.count > self.rules.maxReadCount {
            return (.exception(self.rules.oversizedReadException), .oversizedRead)
        }
        return (.serve, early ? .tooEarly(violations: self.violations) : .paced)
    }

    /// Records a read of its block and says whether it came sooner than `blockPollInterval` after the last one.
    private mutating func pollsBlockTooSoon(_ request: ModbusRequest, at now: ContinuousClock.Instant) -> Bool {
        guard let interval = self.rules.blockPollInterval, !request.function.isWrite else { return false }
        let key = BlockKey(function: request.function, address: request.address, count: request.count)
        defer { self.lastBlockPoll[key] = now }
        return self.lastBlockPoll[key].map { now - $0 < interval } ?? false
    }
}
