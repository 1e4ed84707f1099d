import Domain
import Foundation

extension PostgresTelemetryRepository {
    static let alertRuleColumns = """
        id, site_id, stream_id, kind, display_name, lower, upper, target, band, duration_seconds, rate_per_minute
        """

    static func decodeRule(_ row: PostgresRow) throws -> AlertRule {
        let kind: String = try row.decode("kind")
        return AlertRule(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            streamID: try row.decode("stream_id"),
            kind: AlertRule.Kind(rawValue: kind) ?? .threshold,
            displayName: try row.decode("display_name"),
            lower: try row.decode("lower"),
            upper: try row.decode("upper"),
            target: try row.decode("target", as: Double?.self) ?? 0,
            band: try row.decode("band", as: Double?.self) ?? 0,
            duration: try row.decode("duration_seconds", as: Double?.self) ?? 0,
            ratePerMinute: try row.decode("rate_per_minute", as: Double?.self) ?? 0
        )
    }

    public func createAlertRule(
        _ rule: AlertRule,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> AlertRule
    {
        try rule.validate()
        try audit.validate()
        try scope.require(site: rule.siteID)
        return try await mappingErrors(resource: "alert_rule", table: "alert_rules") {
            try await self.client.transaction(scope: scope) { connection in
                let stream = try await Self.fetchStream(rule.streamID, connection)
                guard stream.siteID == rule.siteID else {
                    throw DomainError.notFound("stream", id: rule.streamID.uuidString.lowercased())
                }
                let rows = try await connection.query(
                    """
                    INSERT INTO alert_rules (id, site_id, stream_id, kind, display_name, lower, upper, target, band,
                                             duration_seconds, rate_per_minute)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11)
                    RETURNING \(Self.alertRuleColumns)
                    """,
                    [
                        SQLValue(rule.id), SQLValue(rule.siteID), SQLValue(rule.streamID), SQLValue(rule.kind.rawValue),
                        SQLValue(rule.displayName), SQLValue(rule.lower), SQLValue(rule.upper), SQLValue(rule.target),
                        SQLValue(rule.band), SQLValue(rule.duration),
                        rule.kind == .rateOfChange ? SQLValue(rule.ratePerMinute) : .null,
                    ]
                )
                _ = try await connection.audit(
                    "alert_rule.create",
                    resourceType: "alert_rule",
                    resourceID: rule.id.uuidString.lowercased(),
                    siteID: rule.siteID,
                    details: ["kind": rule.kind.rawValue, "stream_id": rule.streamID.uuidString.lowercased()],
                    scope: scope,
                    context: audit
                )
                return try Self.decodeRule(rows[0])
            }
        }
    }

    public func listAlerts(
        siteID: UUID,
        includeCleared: Bool,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<AlertInstance>
    {
        try scope.require(site: siteID)
        let after = try PageCursor.decodeTimeAndID(page.token)
        return try await mappingErrors(resource: "alert", table: "alert_instances") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT id, site_id, rule_id, stream_id, fired_at, cleared_at, value, message,
                           (extract(epoch FROM fired_at) * 1000000)::bigint AS fired_micros
                    FROM alert_instances
                    WHERE site_id = $1::uuid AND ($2 OR cleared_at IS NULL)
                      AND ($3::bigint IS NULL
                           OR (fired_at, id) < (timestamptz '1970-01-01 00:00:00+00' + $3::bigint * interval '1 microsecond', $4::uuid))
                    ORDER BY fired_at DESC, id DESC LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(includeCleared), SQLValue(after?.micros), SQLValue(after?.id),
                        SQLValue(page.size + 1),
                    ]
                )
                let items = try rows.map { row in
                    (
                        AlertInstance(
                            id: try row.decode("id"),
                            siteID: try row.decode("site_id"),
                            ruleID: try row.decode("rule_id"),
                            streamID: try row.decode("stream_id"),
                            firedAt: try row.decode("fired_at"),
                            clearedAt: try row.decode("cleared_at"),
                            value: try row.decode("value"),
                            message: try row.decode("message")
                        ),
                        try row.decode("fired_micros", as: Int64.self)
                    )
                }
                let keyed = PageCursor.page(items, size: page.size) { [String($0.1), $0.0.id.uuidString.lowercased()] }
                return Page(items: keyed.items.map(\.0), nextToken: keyed.nextToken)
            }
        }
    }

    public func evaluateAlerts(_ readings: [Reading], siteID: UUID) async throws -> Int {
        let readings = self.ruleHints.mayHaveRules(readings)
        let streams = Set(readings.map(\.streamID))
        guard !streams.isEmpty else { return 0 }
        let list = "{" + streams.map { $0.uuidString.lowercased() }.sorted().joined(separator: ",") + "}"
        return try await mappingErrors(resource: "alert", table: "alert_instances") {
            try await self.retryingConflicts {
                try await self.client.transaction { connection in
                    try await connection.setScope(organizationID: nil, userID: nil, siteIDs: [siteID])
                    // FOR UPDATE: concurrent ingests of a stream evaluate its rules one after the other.
                    let rows = try await connection.query(
                        """
                        SELECT \(Self.alertRuleColumns),
                               (extract(epoch FROM breach_since) * 1000000)::bigint AS breach_micros,
                               (extract(epoch FROM previous_ts) * 1000000)::bigint AS previous_micros, previous_value,
                               EXISTS (SELECT 1 FROM alert_instances i WHERE i.rule_id = r.id AND i.cleared_at IS NULL)
                                   AS open
                        FROM alert_rules r WHERE stream_id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE
                        """,
                        [SQLValue(list)]
                    )
                    guard !rows.isEmpty else { return 0 }
                    let byStream = Dictionary(grouping: readings, by: \.streamID)
                    var changes = 0
                    for row in rows {
                        let rule = try Self.decodeRule(row)
                        var state = AlertState(
                            breachSince: try row.decode("breach_micros"),
                            previousMicros: try row.decode("previous_micros"),
                            previousValue: try row.decode("previous_value"),
                            isOpen: try row.decode("open")
                        )
                        for reading in (byStream[rule.streamID] ?? []).sorted(by: { $0.micros < $1.micros }) {
                            switch rule.evaluate(reading, state: &state) {
                            case .none: continue
                            case .fire(let micros, let value, let message):
                                try await connection.query(
                                    """
                                    INSERT INTO alert_instances (site_id, rule_id, stream_id, fired_at, value, message)
                                    VALUES ($1::uuid, $2::uuid, $3::uuid,
                                            timestamptz '1970-01-01 00:00:00+00' + $4::bigint * interval '1 microsecond', $5, $6)
                                    """,
                                    [
                                        SQLValue(siteID), SQLValue(rule.id), SQLValue(rule.streamID), SQLValue(micros),
                                        SQLValue(value), SQLValue(message),
                                    ]
                                )
                            case .clear(let micros):
                                try await connection.query(
                                    """
                                    UPDATE alert_instances
                                    SET cleared_at = timestamptz '1970-01-01 00:00:00+00' + $2::bigint * interval '1 microsecond'
                                    WHERE rule_id = $1::uuid AND cleared_at IS NULL
                                    """,
                                    [SQLValue(rule.id), SQLValue(micros)]
                                )
                            }
                            changes += 1
                        }
                        try await connection.query(
                            """
                            UPDATE alert_rules SET
                                breach_since = timestamptz '1970-01-01 00:00:00+00' + $2::bigint * interval '1 microsecond',
                                previous_ts = timestamptz '1970-01-01 00:00:00+00' + $3::bigint * interval '1 microsecond',
                                previous_value = $4
                            WHERE id = $1::uuid
                            """,
                            [
                                SQLValue(rule.id), SQLValue(state.breachSince), SQLValue(state.previousMicros),
                                SQLValue(state.previousValue),
                            ]
                        )
                    }
                    return changes
                }
            }
        }
    }
}
