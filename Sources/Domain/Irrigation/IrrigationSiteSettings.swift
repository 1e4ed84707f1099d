import Foundation

/// A site's irrigation settings: whether every run needs a second person's approval, the interlock policy, and how
/// the run engine times its valve commands. No stored row means `IrrigationSiteSettings(siteID:)`: the defaults.
public struct IrrigationSiteSettings: Sendable, Hashable {
    public var siteID: UUID
    public var manualApproval: Bool
    public var policy: InterlockPolicy
    public var commandTiming: CommandTiming

    public init(
        siteID: UUID,
        manualApproval: Bool = false,
        policy: InterlockPolicy = InterlockPolicy(),
        commandTiming: CommandTiming = CommandTiming()
    ) {
        self.siteID = siteID
        self.manualApproval = manualApproval
        self.policy = policy
        self.commandTiming = commandTiming
    }

    /// The policy's rules (`policy.*`) and the command timing's (`command.*`).
    public func validate() throws {
        try self.policy.validate()
        try self.commandTiming.validate()
    }
}

/// How the run engine issues a valve command: it expires `expiry` after creation (a command held up by a broker
/// outage must not fire late), waits `ackTimeout` for each acknowledgement, and publishes at most `maxAttempts`
/// times with one idempotency key. Defaults: 30 s, 5 s, 3 (three attempts fit in the expiry).
public struct CommandTiming: Sendable, Hashable {
    public var expiry: TimeInterval
    public var ackTimeout: TimeInterval
    public var maxAttempts: Int

    public init(expiry: TimeInterval = 30, ackTimeout: TimeInterval = 5, maxAttempts: Int = 3) {
        self.expiry = expiry
        self.ackTimeout = ackTimeout
        self.maxAttempts = maxAttempts
    }

    /// Expiry 1 s ... 1 h, ack timeout 0.1 s ... 10 min, 1-10 attempts.
    public func validate() throws {
        guard self.expiry.isFinite, (1...3_600).contains(self.expiry) else {
            throw DomainError.invalid("command.expiry", "must be 1 to 3600 seconds (got \(self.expiry))")
        }
        guard self.ackTimeout.isFinite, (0.1...600).contains(self.ackTimeout) else {
            throw DomainError.invalid("command.ack_timeout", "must be 0.1 to 600 seconds (got \(self.ackTimeout))")
        }
        guard (1...10).contains(self.maxAttempts) else {
            throw DomainError.invalid("command.max_attempts", "must be 1 to 10 (got \(self.maxAttempts))")
        }
    }

    /// A QUEUED command for `valve` created at `now`.
    public func command(
        _ action: ValveAction,
        valve: ZoneValve,
        idempotencyKey: String,
        now: Date
    ) -> DeviceCommand {
        DeviceCommand(
            deviceID: valve.deviceID,
            zoneID: valve.zoneID,
            action: action,
            idempotencyKey: idempotencyKey,
            createdAt: now,
            expiresAt: now.addingTimeInterval(self.expiry),
            ackTimeout: self.ackTimeout,
            maxAttempts: self.maxAttempts
        )
    }
}
