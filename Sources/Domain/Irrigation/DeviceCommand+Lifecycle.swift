import Foundation

/// What the command plane must do after a transition.
public enum CommandStep: Sendable, Hashable {
    /// Publish the command (again) with this key; `attempt` counts from 1.
    case publish(commandID: UUID, idempotencyKey: String, attempt: Int)
    /// The status changed (to a non-final state, or a final one other than by publishing).
    case moved(from: CommandStatus, to: CommandStatus)
    /// A duplicate or late acknowledgement; nothing changes.
    case ignored(String)
}

/// A device's acknowledgement of a command.
public enum CommandAck: String, Sendable, Hashable {
    case received, executed, rejected
}

/// The error for a transition the lifecycle does not allow.
extension DomainError {
    static func illegalTransition(_ command: DeviceCommand, _ event: String) -> DomainError {
        DomainError(
            code: .failedPrecondition,
            message: "command \(command.id) is \(command.status.rawValue): cannot \(event)",
            reason: "ILLEGAL_COMMAND_TRANSITION",
            metadata: ["command_id": command.id.uuidString.lowercased(), "status": command.status.rawValue]
        )
    }
}

extension DeviceCommand {
    /// QUEUED -> SENT, once. Past its expiry the command becomes EXPIRED instead and is not published (expiry wins
    /// over a late send).
    public mutating func send(now: Date) throws -> CommandStep {
        guard self.status == .queued else { throw DomainError.illegalTransition(self, "send") }
        if now >= self.expiresAt { return self.finish(.expired, at: now) }
        self.status = .sent
        self.attempts = 1
        self.waitingSince = now
        return .publish(commandID: self.id, idempotencyKey: self.idempotencyKey, attempt: 1)
    }

    /// The ack timeout of the last publication has passed (the caller checks `ackDeadline`). SENT: publish again
    /// with the same key while attempts remain and the command has not expired; otherwise TIMEOUT (or EXPIRED).
    /// RECEIVED: the device never reported a result, TIMEOUT.
    public mutating func ackDeadlinePassed(now: Date) throws -> CommandStep {
        guard let deadline = self.ackDeadline, now >= deadline else {
            throw DomainError.illegalTransition(self, "time out before its ack deadline")
        }
        if self.status == .sent {
            if now >= self.expiresAt { return self.finish(.expired, at: now) }
            if self.attempts < self.maxAttempts {
                self.attempts += 1
                self.waitingSince = now
                return .publish(commandID: self.id, idempotencyKey: self.idempotencyKey, attempt: self.attempts)
            }
        }
        return self.finish(.timeout, at: now)
    }

    /// When the current wait for an acknowledgement ends; nil unless SENT or RECEIVED.
    public var ackDeadline: Date? {
        guard self.status == .sent || self.status == .received, let waitingSince else { return nil }
        return waitingSince.addingTimeInterval(self.ackTimeout)
    }

    /// A QUEUED or SENT command whose expiry has passed becomes EXPIRED (a RECEIVED one is the device's now, and ends
    /// by its result or a timeout).
    public mutating func expire(now: Date) throws -> CommandStep {
        guard self.status == .queued || self.status == .sent, now >= self.expiresAt else {
            throw DomainError.illegalTransition(self, "expire")
        }
        return self.finish(.expired, at: now)
    }

    /// Applies a device acknowledgement. RECEIVED may be skipped; acks for a finished command and repeated ones are
    /// ignored (duplicate delivery). An ack while still QUEUED is taken as proof of delivery: the dispatcher may have
    /// published and stopped before recording SENT.
    public mutating func acknowledge(_ ack: CommandAck, now: Date) -> CommandStep {
        if self.status.isFinished {
            return .ignored("\(ack.rawValue) for a command already \(self.status.rawValue)")
        }
        switch ack {
        case .received:
            guard self.status != .received else { return .ignored("repeated received") }
            let from = self.status
            self.status = .received
            self.waitingSince = now
            return .moved(from: from, to: .received)
        case .executed:
            return self.finish(.executed, at: now)
        case .rejected:
            return self.finish(.rejected, at: now)
        }
    }

    private mutating func finish(_ status: CommandStatus, at now: Date) -> CommandStep {
        let from = self.status
        self.status = status
        self.finishedAt = now
        return .moved(from: from, to: status)
    }
}

/// Commands by id, so an acknowledgement for an unknown command is ignored rather than an error.
public struct CommandBook: Sendable, Hashable {
    public private(set) var commands: [UUID: DeviceCommand] = [:]

    public init(_ commands: [DeviceCommand] = []) {
        for command in commands { self.commands[command.id] = command }
    }

    public mutating func insert(_ command: DeviceCommand) { self.commands[command.id] = command }

    public subscript(id: UUID) -> DeviceCommand? { self.commands[id] }

    public mutating func acknowledge(_ id: UUID, _ ack: CommandAck, now: Date) -> CommandStep {
        guard var command = self.commands[id] else { return .ignored("unknown command \(id)") }
        let step = command.acknowledge(ack, now: now)
        self.commands[id] = command
        return step
    }
}
