import Domain
import Foundation

/// The command plane. `device_commands` is the outbox: a row is due when `next_attempt_at <= now` (QUEUED: at once;
/// SENT/RECEIVED: at the ack deadline). A claim locks due rows with `FOR UPDATE SKIP LOCKED`, so concurrent
/// dispatchers each take different rows, applies the domain lifecycle and writes the result before COMMIT.
extension PostgresIrrigationRepository {
    public func claimDueCommands(limit: Int, now: Date) async throws -> CommandClaim {
        guard (1...1_000).contains(limit) else {
            throw DomainError.invalid("limit", "must be 1 to 1000 (got \(limit))")
        }
        return try await mappingErrors(resource: "command", table: "device_commands") {
            let sites = try await self.commandSites(now: now)
            guard !sites.isEmpty else { return CommandClaim() }
            return try await self.client.transaction { connection in
                try await connection.setScope(organizationID: nil, userID: nil, siteIDs: sites)
                let rows = try await connection.query(
                    """
                    SELECT \(Self.commandColumns) FROM device_commands
                    WHERE next_attempt_at <= $1::timestamptz ORDER BY next_attempt_at LIMIT $2
                    FOR UPDATE SKIP LOCKED
                    """,
                    [SQLValue(now), SQLValue(limit)]
                )
                var claim = CommandClaim()
                for row in rows {
                    var stored = try Self.decodeCommand(row)
                    let step: CommandStep
                    switch stored.command.status {
                    case .queued:
                        step = try stored.command.send(now: now)
                    default:
                        // The stored deadline is rounded to microseconds; never act before the domain's own.
                        let at = max(now, stored.command.ackDeadline ?? now)
                        step = try stored.command.ackDeadlinePassed(now: at)
                    }
                    try await Self.writeLifecycle(stored, connection)
                    if case .publish = step { claim.publish.append(stored) } else { claim.finished.append(stored) }
                }
                return claim
            }
        }
    }

    public func recordAck(
        commandID: UUID,
        siteID: UUID,
        stage: CommandAck,
        reason: String?,
        at: Date
    ) async throws -> AckOutcome {
        try Validate.text(reason, field: "ack.reason", maximum: 500)
        return try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction { connection in
                try await connection.setScope(organizationID: nil, userID: nil, siteIDs: [siteID])
                let rows = try await connection.query(
                    "SELECT \(Self.commandColumns) FROM device_commands WHERE id = $1::uuid FOR UPDATE",
                    [SQLValue(commandID)]
                )
                guard let row = rows.first else {
                    throw DomainError.notFound("command", id: commandID.uuidString.lowercased())
                }
                var stored = try Self.decodeCommand(row)
                let step = stored.command.acknowledge(stage, now: at)
                if case .moved = step {
                    stored.ackReason = reason ?? stored.ackReason
                    try await Self.writeLifecycle(stored, connection)
                }
                return AckOutcome(command: stored, step: step)
            }
        }
    }

    public func expireCommands(now: Date) async throws -> [StoredCommand] {
        try await mappingErrors(resource: "command", table: "device_commands") {
            let sites = try await self.commandSites(now: now)
            guard !sites.isEmpty else { return [] }
            return try await self.client.transaction { connection in
                try await connection.setScope(organizationID: nil, userID: nil, siteIDs: sites)
                let rows = try await connection.query(
                    """
                    SELECT \(Self.commandColumns) FROM device_commands
                    WHERE status IN ('QUEUED', 'SENT') AND expires_at <= $1::timestamptz ORDER BY expires_at LIMIT 1000
                    FOR UPDATE SKIP LOCKED
                    """,
                    [SQLValue(now)]
                )
                var expired: [StoredCommand] = []
                for row in rows {
                    var stored = try Self.decodeCommand(row)
                    _ = try stored.command.expire(now: now)
                    try await Self.writeLifecycle(stored, connection)
                    expired.append(stored)
                }
                return expired
            }
        }
    }

    public func command(_ id: UUID, in scope: AccessScope) async throws -> StoredCommand {
        try await mappingErrors(resource: "command", table: "device_commands") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    "SELECT \(Self.commandColumns) FROM device_commands WHERE id = $1::uuid",
                    [SQLValue(id)]
                )
                guard let row = rows.first else {
                    throw DomainError.notFound("command", id: id.uuidString.lowercased())
                }
                return try Self.decodeCommand(row)
            }
        }
    }

    /// The sites with commands to claim or expire at `now` (a `SECURITY DEFINER` lookup: the service sees no site
    /// without a scope).
    func commandSites(now: Date) async throws -> Set<UUID> {
        let rows = try await self.client.query(
            "SELECT site_id FROM harvestry_command_sites($1::timestamptz)",
            [SQLValue(now)]
        )
        return Set(try rows.map { try $0.decode("site_id", as: UUID.self) })
    }

    static let commandColumns = """
        id, site_id, run_id, device_id, zone_id, action, idempotency_key, created_at, expires_at, ack_timeout_seconds,
        max_attempts, status, attempts, waiting_since, finished_at, ack_reason
        """

    static func decodeCommand(_ row: PostgresRow) throws -> StoredCommand {
        let fresh = DeviceCommand(
            id: try row.decode("id"),
            deviceID: try row.decode("device_id"),
            zoneID: try row.decode("zone_id"),
            action: try row.decodeEnum("action"),
            idempotencyKey: try row.decode("idempotency_key"),
            createdAt: try row.decode("created_at"),
            expiresAt: try row.decode("expires_at"),
            ackTimeout: try row.decode("ack_timeout_seconds"),
            maxAttempts: try row.decode("max_attempts")
        )
        return StoredCommand(
            siteID: try row.decode("site_id"),
            runID: try row.decode("run_id"),
            command: DeviceCommand(
                restoring: fresh,
                status: try row.decodeEnum("status"),
                attempts: try row.decode("attempts"),
                waitingSince: try row.decode("waiting_since"),
                finishedAt: try row.decode("finished_at")
            ),
            ackReason: try row.decode("ack_reason")
        )
    }

    /// Inserts a run change's commands: the outbox rows the dispatcher will claim.
    static func enqueue(
        _ commands: [DeviceCommand],
        run: UUID?,
        site: UUID,
        _ connection: PostgresConnection
    )
        async throws
    {
        for command in commands {
            try await connection.query(
                """
                INSERT INTO device_commands (id, site_id, run_id, device_id, zone_id, action, idempotency_key,
                    created_at, expires_at, ack_timeout_seconds, max_attempts, status, attempts, next_attempt_at)
                VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8::timestamptz, $9::timestamptz,
                    $10, $11, $12, $13, $14::timestamptz)
                """,
                [
                    SQLValue(command.id), SQLValue(site), SQLValue(run), SQLValue(command.deviceID),
                    SQLValue(command.zoneID), SQLValue(command.action.rawValue), SQLValue(command.idempotencyKey),
                    SQLValue(command.createdAt), SQLValue(command.expiresAt), SQLValue(command.ackTimeout),
                    SQLValue(command.maxAttempts), SQLValue(command.status.rawValue), SQLValue(command.attempts),
                    SQLValue(command.nextAttemptAt),
                ]
            )
        }
    }

    static func writeLifecycle(_ stored: StoredCommand, _ connection: PostgresConnection) async throws {
        let command = stored.command
        try await connection.query(
            """
            UPDATE device_commands SET status = $2, attempts = $3, waiting_since = $4::timestamptz,
                finished_at = $5::timestamptz, next_attempt_at = $6::timestamptz, ack_reason = $7
            WHERE id = $1::uuid
            """,
            [
                SQLValue(command.id), SQLValue(command.status.rawValue), SQLValue(command.attempts),
                SQLValue(command.waitingSince), SQLValue(command.finishedAt), SQLValue(command.nextAttemptAt),
                SQLValue(stored.ackReason),
            ]
        )
    }
}
