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
                var moved: [StoredCommand] = []
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
                    moved.append(stored)
                    if case .publish = step { claim.publish.append(stored) } else { claim.finished.append(stored) }
                }
                try await Self.writeLifecycles(moved, connection)
                return claim
            }
        }
    }

    /// One ack through `recordAcks` (the dispatcher's batch path), so both apply the lifecycle the same way; NOT_FOUND
    /// where the batch has no outcome (no such command in `siteID`).
    public func recordAck(
        commandID: UUID,
        siteID: UUID,
        stage: CommandAck,
        reason: String?,
        at: Date
    ) async throws -> AckOutcome {
        let ack = CommandAckInput(commandID: commandID, siteID: siteID, stage: stage, reason: reason)
        guard let outcome = try await self.recordAcks([ack], at: at).first ?? nil else {
            throw DomainError.notFound("command", id: commandID.uuidString.lowercased())
        }
        return outcome
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
        max_attempts, status, attempts, waiting_since, finished_at, ack_reason, duration_seconds, authorizer
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
            maxAttempts: try row.decode("max_attempts"),
            durationSeconds: try row.decode("duration_seconds"),
            authorizer: try row.decode("authorizer")
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

    /// Inserts a run change's commands: the outbox rows the dispatcher will claim, in one statement (one NOTIFY of
    /// migration 0012's trigger; the values travel as a JSON array, timestamps as `TimestampText`).
    static func enqueue(
        _ commands: [DeviceCommand],
        run: UUID?,
        site: UUID,
        _ connection: PostgresConnection
    )
        async throws
    {
        guard !commands.isEmpty else { return }
        let rows: [[String: Any]] = commands.map { command in
            [
                "id": command.id.uuidString.lowercased(),
                "device_id": command.deviceID.uuidString.lowercased(),
                "zone_id": command.zoneID.uuidString.lowercased(),
                "action": command.action.rawValue,
                "idempotency_key": command.idempotencyKey,
                "created_at": TimestampText.format(command.createdAt),
                "expires_at": TimestampText.format(command.expiresAt),
                "ack_timeout_seconds": command.ackTimeout,
                "max_attempts": command.maxAttempts,
                "status": command.status.rawValue,
                "attempts": command.attempts,
                "next_attempt_at": command.nextAttemptAt.map(TimestampText.format) ?? NSNull(),
                "duration_seconds": command.durationSeconds ?? NSNull(),
                "authorizer": command.authorizer ?? NSNull(),
            ]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO device_commands (id, site_id, run_id, device_id, zone_id, action, idempotency_key,
                created_at, expires_at, ack_timeout_seconds, max_attempts, status, attempts, next_attempt_at,
                duration_seconds, authorizer)
            SELECT c.id, $1::uuid, $2::uuid, c.device_id, c.zone_id, c.action, c.idempotency_key, c.created_at,
                c.expires_at, c.ack_timeout_seconds, c.max_attempts, c.status, c.attempts, c.next_attempt_at,
                c.duration_seconds, c.authorizer
            FROM jsonb_to_recordset($3::jsonb) AS c(id uuid, device_id uuid, zone_id uuid, action text,
                idempotency_key text, created_at timestamptz, expires_at timestamptz,
                ack_timeout_seconds double precision, max_attempts smallint, status text, attempts smallint,
                next_attempt_at timestamptz, duration_seconds integer, authorizer text)
            """,
            [SQLValue(site), SQLValue(run), SQLValue(json)]
        )
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
