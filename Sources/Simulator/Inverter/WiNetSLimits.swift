import Fieldbus

/// The Sungrow WiNet-S dongle's limits (seed 003, HC-004 "min 5 s poll, 20 ms inter-register delay"): reads of at
/// most 100 registers, a minimum gap between requests, and a lock-up when polled too hard: it stops answering for a
/// while, as the real dongle does.
public struct WiNetSLimits: Hashable, Sendable {
    public static let maxReadCount = 100

    /// The gap a poller must leave between requests (the 20 ms inter-register delay by default).
    public var minimumGap: Duration
    /// Violations of the gap in a row that lock the dongle up.
    public var violationsBeforeLockup: Int
    /// How long a locked-up dongle stays silent.
    public var lockupDuration: Duration
    /// The same register block (function, address, count) read again sooner than this is a violation (HC-004's
    /// "min 5 s poll"); nil turns the rule off.
    public var blockPollInterval: Duration?

    public init(
        minimumGap: Duration = .milliseconds(20),
        violationsBeforeLockup: Int = 5,
        lockupDuration: Duration = .seconds(30),
        blockPollInterval: Duration? = .seconds(5)
    ) {
        self.minimumGap = minimumGap
        self.violationsBeforeLockup = violationsBeforeLockup
        self.lockupDuration = lockupDuration
        self.blockPollInterval = blockPollInterval
    }

    /// As the server's pacing rules; throws naming the field that is out of range.
    public func pacingRules() throws(ModbusError) -> RequestPacing.Rules {
        try RequestPacing.Rules(
            maxReadCount: Self.maxReadCount,
            oversizedReadException: .illegalDataValue,
            minimumGap: self.minimumGap,
            violationsBeforeLockup: self.violationsBeforeLockup,
            lockupDuration: self.lockupDuration,
            blockPollInterval: self.blockPollInterval
        )
    }
}
