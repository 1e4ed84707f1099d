import Domain
import Foundation

/// When the command dispatcher must next look at the outbox: the earliest claim (`next_attempt_at`) and the
/// earliest expiry of a command not yet with a device. nil fields when there is nothing to wait for.
public struct CommandOutboxDue: Sendable, Hashable {
    public var nextAttempt: Date?
    public var nextExpiry: Date?

    public init(nextAttempt: Date? = nil, nextExpiry: Date? = nil) {
        self.nextAttempt = nextAttempt
        self.nextExpiry = nextExpiry
    }
}

extension PostgresIrrigationRepository {
    /// The NOTIFY channel a new command wakes the dispatcher on (migration 0012's insert trigger).
    public static let commandNotificationChannel = "harvestry_device_commands"

    /// When the outbox next needs the dispatcher, over every site (migration 0012's `SECURITY DEFINER` lookup).
    public func nextCommandDue() async throws -> CommandOutboxDue {
        try await mappingErrors(resource: "command", table: "device_commands") {
            let rows = try await self.client.query(
                "SELECT next_attempt_at, next_expiry FROM harvestry_next_command_due()",
                []
            )
            guard let row = rows.first else { return CommandOutboxDue() }
            return CommandOutboxDue(
                nextAttempt: try row.decode("next_attempt_at"),
                nextExpiry: try row.decode("next_expiry")
            )
        }
    }
}

extension PostgresIrrigationRepository {
    /// Puts commands that belong to no run change into the outbox of `siteID` (QUEUED), in one transaction under
    /// the caller's scope: the command benchmark and the dispatcher's tests. A run's commands are written with the
    /// run (`createRun`, `saveRun`), which also audits the change.
    public func enqueueCommands(_ commands: [DeviceCommand], siteID: UUID, in scope: AccessScope) async throws {
        try scope.require(site: siteID)
        for command in commands { try command.validate() }
        try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction { connection in
                try await connection.setScope(
                    organizationID: scope.organizationID,
                    userID: scope.userID,
                    siteIDs: [siteID]
                )
                try await Self.enqueue(commands, run: nil, site: siteID, connection)
            }
        }
    }
}
