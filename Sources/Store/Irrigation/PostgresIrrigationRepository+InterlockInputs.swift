import Domain
import Foundation

/// What a group's interlock inputs read now, from the stored device states, readings, interlock events and commands.
extension PostgresIrrigationRepository {
    public func interlockObservations(
        group: IrrigationGroup,
        in scope: AccessScope
    ) async throws -> InterlockObservations {
        try await mappingErrors(resource: "interlock input", table: "irrigation_interlock_sources") {
            try await self.client.transaction(scope: scope) { connection in
                var observations = InterlockObservations()
                for (input, source) in try await Self.fetchSources(group.id, connection) {
                    observations.values[input] = try await Self.observe(source, connection)
                }
                observations.lockouts = try await Self.fetchLockouts(group.id, connection)
                observations.openValves = try await Self.fetchOpenValves(group.id, connection)
                return observations
            }
        }
    }

    /// A device state's property, or a stream's latest reading. A device publishes its state when it changes (the
    /// retained `state` topic), so the property holds as long as the device is heard from: its time is the later of
    /// the state's report and the device's last heartbeat while it is online.
    static func observe(
        _ source: InterlockSource,
        _ connection: PostgresConnection
    ) async throws
        -> Timed<ObservedValue>?
    {
        switch source {
        case .deviceState(let device, let property):
            let rows = try await connection.query(
                """
                SELECT greatest(s.reported_at, CASE WHEN h.status = 'online' THEN h.last_heartbeat_at END) AS at,
                    s.properties ->> $2 AS value
                FROM device_states s LEFT JOIN device_health h ON h.equipment_id = s.equipment_id
                WHERE s.equipment_id = $1::uuid
                """,
                [SQLValue(device), SQLValue(property)]
            )
            guard let row = rows.first, let text = try row.decode("value", as: String?.self) else { return nil }
            return Timed(.text(text), at: try row.decode("at"))
        case .stream(let stream):
            let rows = try await connection.query(
                "SELECT ts, value FROM sensor_readings WHERE stream_id = $1::uuid ORDER BY ts DESC LIMIT 1",
                [SQLValue(stream)]
            )
            guard let row = rows.first else { return nil }
            return Timed(.number(try row.decode("value")), at: try row.decode("ts"))
        }
    }

    /// Per reason, the latest LATCHED or CLEARED event of the group by the database's `recorded_at` (then id), not by
    /// `occurred_at` (an instance's clock); a lockout where it is LATCHED.
    static func fetchLockouts(_ groupID: UUID, _ connection: PostgresConnection) async throws -> [Lockout] {
        let rows = try await connection.query(
            """
            SELECT reason, occurred_at, run_id FROM (
                SELECT DISTINCT ON (reason) reason, kind, occurred_at, run_id FROM interlock_events
                WHERE group_id = $1::uuid AND kind IN ('LATCHED', 'CLEARED')
                ORDER BY reason, recorded_at DESC, id DESC
            ) latest WHERE kind = 'LATCHED' ORDER BY occurred_at
            """,
            [SQLValue(groupID)]
        )
        return try rows.map {
            Lockout(
                reason: try $0.decodeEnum("reason"),
                since: try $0.decode("occurred_at"),
                runID: try $0.decode("run_id")
            )
        }
    }

    /// The group's zones whose latest open (live or executed: not rejected, timed out or expired) has no executed
    /// close after it: a valve counts as open from the moment its open is issued until its close is confirmed, the
    /// safe side for the concurrency cap (a close still in flight, or one that failed, leaves the valve counted open,
    /// so another open cannot be issued into a slot the device still fills). `openSince` is the execution (or, still in
    /// flight, the creation) of that open.
    static func fetchOpenValves(_ groupID: UUID, _ connection: PostgresConnection) async throws -> [OpenValve] {
        let rows = try await connection.query(
            """
            SELECT zone_id, load_class, opened FROM (
                SELECT DISTINCT ON (c.zone_id) c.zone_id, v.load_class, c.action,
                    coalesce(c.finished_at, c.created_at) AS opened
                FROM device_commands c
                JOIN irrigation_group_valves v ON v.group_id = $1::uuid AND v.zone_id = c.zone_id
                    AND v.device_id = c.device_id
                WHERE (c.action = 'open' AND c.status IN ('QUEUED', 'SENT', 'RECEIVED', 'EXECUTED'))
                    OR (c.action = 'close' AND c.status = 'EXECUTED')
                ORDER BY c.zone_id, c.created_at DESC, (c.action = 'close') DESC
            ) latest WHERE action = 'open' ORDER BY zone_id
            """,
            [SQLValue(groupID)]
        )
        return try rows.map {
            OpenValve(
                zoneID: try $0.decode("zone_id"),
                loadClass: try $0.decodeEnum("load_class"),
                openSince: try $0.decode("opened")
            )
        }
    }
}
