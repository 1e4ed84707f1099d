import Domain
import Foundation

extension PostgresIrrigationRepository {
    public func recordInterlockEvents(
        _ events: [InterlockEvent],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try Self.validate(events)
        try audit.validate()
        try await mappingErrors(resource: "interlock event", table: "interlock_events") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.insert(events, scope: scope, audit: audit, connection)
            }
        }
    }

    public func recordInterlockEvents(
        _ events: [InterlockEvent],
        commands: [DeviceCommand],
        siteID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try Self.validate(events)
        for command in commands { try command.validate() }
        try audit.validate()
        try await mappingErrors(resource: "interlock event", table: "interlock_events") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.insert(events, scope: scope, audit: audit, connection)
                try await Self.enqueue(commands, run: nil, site: siteID, connection)
            }
        }
    }

    static func validate(_ events: [InterlockEvent]) throws {
        for (index, event) in events.enumerated() {
            guard event.detail.count <= 1_000 else {
                throw DomainError.invalid("events[\(index)].detail", "must be at most 1000 characters")
            }
            guard (event.kind == .cleared) == (event.actorID != nil) else {
                throw DomainError.invalid("events[\(index)].actor_id", "is required for CLEARED and only for it")
            }
        }
    }

    /// Appends interlock events, each with its audit row, in the caller's transaction. `recorded_at` is the database's
    /// clock at each insert (not the transaction's start), so events of one transaction keep their order.
    static func insert(
        _ events: [InterlockEvent],
        scope: AccessScope,
        audit: AuditContext,
        _ connection: PostgresConnection
    ) async throws {
        for event in events {
            let inserted = try await connection.query(
                """
                INSERT INTO interlock_events
                    (site_id, group_id, run_id, kind, reason, occurred_at, detail, actor_id, recorded_at)
                SELECT g.site_id, g.id, $2::uuid, $3, $4, $5::timestamptz, $6, $7::uuid, clock_timestamp()
                FROM irrigation_groups g WHERE g.id = $1::uuid
                RETURNING id, site_id
                """,
                [
                    SQLValue(event.groupID), SQLValue(event.runID), SQLValue(event.kind.rawValue),
                    SQLValue(event.reason.rawValue), SQLValue(event.at), SQLValue(event.detail),
                    SQLValue(event.actorID),
                ]
            )
            guard let row = inserted.first else {
                throw DomainError.notFound("group", id: event.groupID.uuidString.lowercased())
            }
            var details = [
                "kind": event.kind.rawValue, "reason": event.reason.rawValue, "detail": event.detail,
                "group_id": event.groupID.uuidString.lowercased(),
            ]
            if let run = event.runID { details["run_id"] = run.uuidString.lowercased() }
            try await connection.audit(
                "interlock.\(event.kind.rawValue.lowercased())",
                resourceType: "interlock_event",
                resourceID: try row.decode("id", as: UUID.self).uuidString.lowercased(),
                siteID: try row.decode("site_id"),
                details: details,
                scope: scope,
                context: audit
            )
        }
    }

    public func listInterlockEvents(
        groupID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<InterlockEvent> {
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterID = try after.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "interlock event", table: "interlock_events") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.interlockEventColumns) FROM interlock_events
                    WHERE group_id = $1::uuid AND ($2::uuid IS NULL OR (occurred_at, id) < ($3::timestamptz, $2::uuid))
                    ORDER BY occurred_at DESC, id DESC LIMIT $4
                    """,
                    [SQLValue(groupID), SQLValue(afterID), SQLValue(after?[0]), SQLValue(page.size + 1)]
                )
                let keyed = try rows.map(Self.decodeInterlockEvent)
                let page = PageCursor.page(keyed, size: page.size) {
                    [TimestampText.format($0.event.at), $0.id.uuidString.lowercased()]
                }
                return Page(items: page.items.map(\.event), nextToken: page.nextToken)
            }
        }
    }
}
