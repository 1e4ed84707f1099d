import Foundation

/// Where a device command is in its life (ThingsBoard's persistent RPC states, with FRP-06's names).
public enum CommandStatus: String, Sendable, Hashable, CaseIterable {
    /// In the outbox, not yet published.
    case queued = "QUEUED"
    /// Published; no acknowledgement yet.
    case sent = "SENT"
    /// The device acknowledged receipt; the result is pending.
    case received = "RECEIVED"
    case executed = "EXECUTED"
    case rejected = "REJECTED"
    /// No result within the ack timeout after the last attempt.
    case timeout = "TIMEOUT"
    /// Its expiry passed before a device had it; it must not fire late.
    case expired = "EXPIRED"

    public var isFinished: Bool {
        switch self {
        case .queued, .sent, .received: false
        case .executed, .rejected, .timeout, .expired: true
        }
    }
}

/// What a command asks: open or close a valve, or (`rearm`, addressed to the edge controller) clear the
/// controller's own latched fault.
public enum ValveAction: String, Sendable, Hashable {
    case open, close, rearm
}

/// One command to one device's valve. `idempotencyKey` stays the same across retries, so the device acts once.
public struct DeviceCommand: Sendable, Hashable {
    public var id: UUID
    public var deviceID: UUID
    public var zoneID: UUID
    public var action: ValveAction
    public var idempotencyKey: String
    public var createdAt: Date
    /// After this instant the command must not be published or executed.
    public var expiresAt: Date
    /// How long to wait for an acknowledgement after each publication.
    public var ackTimeout: TimeInterval
    /// Publications allowed, the first included.
    public var maxAttempts: Int
    /// An open's run time: the device closes the valve itself after it (`duration_s`), if no close came first.
    public var durationSeconds: Int?
    /// A re-arm's authorizer (the re-arming user's id).
    public var authorizer: String?
    public internal(set) var status: CommandStatus
    public internal(set) var attempts: Int
    /// When the current wait for an acknowledgement began: the last publication, or the receipt.
    public internal(set) var waitingSince: Date?
    public internal(set) var finishedAt: Date?

    public init(
        id: UUID = UUID(),
        deviceID: UUID,
        zoneID: UUID,
        action: ValveAction,
        idempotencyKey: String,
        createdAt: Date,
        expiresAt: Date,
        ackTimeout: TimeInterval = 5,
        maxAttempts: Int = 3,
        durationSeconds: Int? = nil,
        authorizer: String? = nil
    ) {
        self.id = id
        self.deviceID = deviceID
        self.zoneID = zoneID
        self.action = action
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.ackTimeout = ackTimeout
        self.maxAttempts = maxAttempts
        self.durationSeconds = durationSeconds
        self.authorizer = authorizer
        self.status = .queued
        self.attempts = 0
    }

    /// Key 1-200 printable characters; expiry after creation; ack timeout 0.1 s ... 10 min; 1-10 attempts.
    public func validate() throws {
        try Validate.text(self.idempotencyKey, field: "command.idempotency_key")
        guard self.expiresAt > self.createdAt else {
            throw DomainError.invalid("command.expires_at", "must be after created_at")
        }
        guard self.ackTimeout.isFinite, (0.1...600).contains(self.ackTimeout) else {
            throw DomainError.invalid("command.ack_timeout", "must be 0.1 to 600 seconds")
        }
        guard (1...10).contains(self.maxAttempts) else {
            throw DomainError.invalid("command.max_attempts", "must be 1 to 10")
        }
        if let seconds = self.durationSeconds, seconds <= 0 || self.action != .open {
            throw DomainError.invalid("command.duration_seconds", "must be positive, and only on an open")
        }
        guard (self.action == .rearm) == (self.authorizer != nil) else {
            throw DomainError.invalid("command.authorizer", "is required for a re-arm and only for it")
        }
        if let authorizer = self.authorizer { try Validate.text(authorizer, field: "command.authorizer", maximum: 128) }
    }
}
