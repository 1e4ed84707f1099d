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

/// One device acknowledgement to record (`recordAcks`).
public struct CommandAckInput: Sendable, Hashable {
    public var commandID: UUID
    public var siteID: UUID
    public var stage: CommandAck
    public var reason: String?
    /// The device the ack came from (its topic's); when set, an ack for another device's command is not applied.
    public var deviceID: UUID?

    public init(commandID: UUID, siteID: UUID, stage: CommandAck, reason: String?, deviceID: UUID? = nil) {
        self.commandID = commandID
        self.siteID = siteID
        self.stage = stage
        self.reason = reason
        self.deviceID = deviceID
    }
}

extension PostgresIrrigationRepository {
    /// `recordAck` for many acks in one transaction (the dispatcher's group commit): the commands are locked in id
    /// order (`FOR UPDATE`, so concurrent batches never deadlock), each ack is applied in the given order (a
    /// command's RECEIVED and EXECUTED in one batch both count), and each changed command is written once. The
    /// result has one entry per ack, in order: its outcome, or nil when the ack's site has no such command. An ack
    /// whose `deviceID` is not the command's changes nothing: its outcome is the command as stored, `.ignored`
    /// (the caller compares the devices and refuses it).
    public func recordAcks(_ acks: [CommandAckInput], at: Date) async throws -> [AckOutcome?] {
        guard !acks.isEmpty else { return [] }
        for ack in acks { try Validate.text(ack.reason, field: "ack.reason", maximum: 500) }
        let ids = "{" + Set(acks.map { $0.commandID.uuidString.lowercased() }).sorted().joined(separator: ",") + "}"
        return try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction { connection in
                try await connection.setScope(organizationID: nil, userID: nil, siteIDs: Set(acks.map(\.siteID)))
                let rows = try await connection.query(
                    "SELECT \(Self.commandColumns) FROM device_commands WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                    [SQLValue(ids)]
                )
                var commands: [UUID: StoredCommand] = [:]
                for row in rows {
                    let stored = try Self.decodeCommand(row)
                    commands[stored.command.id] = stored
                }
                var changed: Set<UUID> = []
                var outcomes: [AckOutcome?] = []
                for ack in acks {
                    guard var stored = commands[ack.commandID], stored.siteID == ack.siteID else {
                        outcomes.append(nil)
                        continue
                    }
                    if let device = ack.deviceID, device != stored.command.deviceID {
                        outcomes.append(AckOutcome(command: stored, step: .ignored("device_id")))
                        continue
                    }
                    let step = stored.command.acknowledge(ack.stage, now: at)
                    if case .moved = step {
                        stored.ackReason = ack.reason ?? stored.ackReason
                        commands[ack.commandID] = stored
                        changed.insert(ack.commandID)
                    }
                    outcomes.append(AckOutcome(command: stored, step: step))
                }
                try await Self.writeLifecycles(changed.compactMap { commands[$0] }, connection)
                return outcomes
            }
        }
    }
}

extension PostgresIrrigationRepository {
    /// `writeLifecycle` for many commands in one statement (a claim's or an ack batch's rows, already locked): the
    /// new lifecycle fields travel as one JSON array (`jsonb_to_recordset`), timestamps as `TimestampText`.
    static func writeLifecycles(_ commands: [StoredCommand], _ connection: PostgresConnection) async throws {
        guard commands.count > 1 else {
            if let only = commands.first { try await Self.writeLifecycle(only, connection) }
            return
        }
        let rows: [[String: Any]] = commands.map { stored in
            let command = stored.command
            return [
                "id": command.id.uuidString.lowercased(),
                "status": command.status.rawValue,
                "attempts": command.attempts,
                "waiting_since": command.waitingSince.map(TimestampText.format) ?? NSNull(),
                "finished_at": command.finishedAt.map(TimestampText.format) ?? NSNull(),
                "next_attempt_at": command.nextAttemptAt.map(TimestampText.format) ?? NSNull(),
                "ack_reason": stored.ackReason ?? NSNull(),
            ]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        try await connection.query(
            """
            UPDATE device_commands d SET status = u.status, attempts = u.attempts, waiting_since = u.waiting_since,
                finished_at = u.finished_at, next_attempt_at = u.next_attempt_at, ack_reason = u.ack_reason
            FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, attempts smallint,
                waiting_since timestamptz, finished_at timestamptz, next_attempt_at timestamptz, ack_reason text)
            WHERE d.id = u.id
            """,
            [SQLValue(json)]
        )
    }
}
