import Foundation

extension DeviceCommand {
    /// A command as a store reads it back: the stored lifecycle fields replace the fresh ones. Only a store calls
    /// this; everything else moves a command through `DeviceCommand+Lifecycle`.
    public init(
        restoring command: DeviceCommand,
        status: CommandStatus,
        attempts: Int,
        waitingSince: Date?,
        finishedAt: Date?
    ) {
        self = command
        self.status = status
        self.attempts = attempts
        self.waitingSince = waitingSince
        self.finishedAt = finishedAt
    }

    /// When the command next needs the dispatcher: at once while QUEUED, at its ack deadline while SENT or
    /// RECEIVED, never once finished.
    public var nextAttemptAt: Date? {
        switch self.status {
        case .queued: self.createdAt
        case .sent, .received: self.ackDeadline
        case .executed, .rejected, .timeout, .expired: nil
        }
    }
}
