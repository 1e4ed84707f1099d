import Domain
import Foundation

extension PostgresTelemetryRepository {
    public func listDeviceEvents(
        deviceID: UUID,
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<DeviceEvent> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterMicros = try after.map { key in
            guard let micros = Int64(key[0]) else {
                throw DomainError.invalid("page_token", "is not a page token this list issued")
            }
            return micros
        }
        return try await mappingErrors(resource: "device", table: "device_events") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT site_id, equipment_id, event_id, code, severity, message, attributes::text AS attributes,
                           occurred_at, (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_micros
                    FROM device_events
                    WHERE equipment_id = $1::uuid AND site_id = $2::uuid
                      AND ($3::bigint IS NULL
                           OR (occurred_at, event_id) < (timestamptz '1970-01-01 00:00:00+00' + $3::bigint * interval '1 microsecond', $4))
                    ORDER BY occurred_at DESC, event_id DESC LIMIT $5
                    """,
                    [
                        SQLValue(deviceID), SQLValue(siteID), SQLValue(afterMicros), SQLValue(after?[1]),
                        SQLValue(page.size + 1),
                    ]
                )
                let items = try rows.map { row in
                    let severity: String = try row.decode("severity")
                    let event = DeviceEvent(
                        siteID: try row.decode("site_id"),
                        deviceID: try row.decode("equipment_id"),
                        eventID: try row.decode("event_id"),
                        code: try row.decode("code"),
                        severity: DeviceEvent.Severity(rawValue: severity) ?? .unspecified,
                        message: try row.decode("message"),
                        attributes: try Self.map(try row.decode("attributes")),
                        occurredAt: try row.decode("occurred_at")
                    )
                    return (event, try row.decode("occurred_micros", as: Int64.self))
                }
                let page = PageCursor.page(items, size: page.size) { ["\($0.1)", $0.0.eventID] }
                return Page(items: page.items.map(\.0), nextToken: page.nextToken)
            }
        }
    }

    public func deviceState(deviceID: UUID, siteID: UUID, in scope: AccessScope) async throws -> DeviceState? {
        try scope.require(site: siteID)
        return try await mappingErrors(resource: "device", table: "device_states") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT site_id, equipment_id, reported_at, firmware_version, uptime_seconds, signal_dbm,
                           fault_code, properties::text AS properties
                    FROM device_states WHERE equipment_id = $1::uuid AND site_id = $2::uuid
                    """,
                    [SQLValue(deviceID), SQLValue(siteID)]
                )
                return try rows.first.map { row in
                    DeviceState(
                        siteID: try row.decode("site_id"),
                        deviceID: try row.decode("equipment_id"),
                        reportedAt: try row.decode("reported_at"),
                        firmwareVersion: try row.decode("firmware_version"),
                        uptimeSeconds: try row.decode("uptime_seconds", as: Int64.self),
                        signalDBM: Int32(try row.decode("signal_dbm", as: Int.self)),
                        faultCode: try row.decode("fault_code"),
                        properties: try Self.map(try row.decode("properties"))
                    )
                }
            }
        }
    }

    /// A stored `jsonb` object of strings (written by `json(_:)`).
    static func map(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
