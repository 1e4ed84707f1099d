import Domain
import Foundation

extension PostgresTelemetryRepository {
    public func recordEvent(_ event: DeviceEvent) async throws -> Bool {
        try await mappingErrors(resource: "device", table: "device_events") {
            try await self.inDeviceScope(event.deviceID, siteID: event.siteID) { connection, _ in
                let inserted = try await connection.query(
                    """
                    INSERT INTO device_events (site_id, equipment_id, event_id, code, severity, message, attributes,
                        occurred_at)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::jsonb, $8)
                    ON CONFLICT (equipment_id, event_id) DO NOTHING
                    RETURNING 1 AS stored
                    """,
                    [
                        SQLValue(event.siteID), SQLValue(event.deviceID), SQLValue(event.eventID),
                        SQLValue(event.code), SQLValue(event.severity.rawValue), SQLValue(event.message),
                        SQLValue(try Self.json(event.attributes)), SQLValue(event.occurredAt ?? Date()),
                    ]
                )
                return !inserted.isEmpty
            }
        }
    }

    public func recordState(_ state: DeviceState) async throws -> Bool {
        try await mappingErrors(resource: "device", table: "device_states") {
            try await self.inDeviceScope(state.deviceID, siteID: state.siteID) { connection, _ in
                // A retained state is redelivered and devices' reports can overtake each other: only a newer one
                // replaces the stored one.
                let kept = try await connection.query(
                    """
                    INSERT INTO device_states (equipment_id, site_id, reported_at, firmware_version, uptime_seconds,
                        signal_dbm, fault_code, properties)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8::jsonb)
                    ON CONFLICT (equipment_id) DO UPDATE SET reported_at = EXCLUDED.reported_at,
                        firmware_version = EXCLUDED.firmware_version, uptime_seconds = EXCLUDED.uptime_seconds,
                        signal_dbm = EXCLUDED.signal_dbm, fault_code = EXCLUDED.fault_code,
                        properties = EXCLUDED.properties, updated_at = now()
                    WHERE device_states.reported_at < EXCLUDED.reported_at
                    RETURNING 1 AS kept
                    """,
                    [
                        SQLValue(state.deviceID), SQLValue(state.siteID), SQLValue(state.reportedAt ?? Date()),
                        SQLValue(state.firmwareVersion), SQLValue(Int(state.uptimeSeconds)),
                        SQLValue(Int(state.signalDBM)), SQLValue(state.faultCode),
                        SQLValue(try Self.json(state.properties)),
                    ]
                )
                return !kept.isEmpty
            }
        }
    }

    /// Runs `body` (given the site's organization) in a transaction scoped to `siteID` with no user, after checking
    /// that the site has the device; NOT_FOUND for an unknown site or device. For the writes of a device link.
    func inDeviceScope<T: Sendable>(
        _ deviceID: UUID,
        siteID: UUID,
        _ body: (PostgresConnection, _ organization: UUID) async throws -> T
    ) async throws -> T {
        let organization: UUID? = try await self.client.query(
            "SELECT harvestry_site_organization($1::uuid) AS id",
            [SQLValue(siteID)]
        )[0].decode("id")
        guard let organization else { throw DomainError.notFound("site", id: siteID.uuidString.lowercased()) }
        return try await self.client.transaction { connection in
            try await connection.setScope(organizationID: organization, userID: nil, siteIDs: [siteID])
            let device = try await connection.query(
                "SELECT id FROM equipment WHERE id = $1::uuid AND site_id = $2::uuid",
                [SQLValue(deviceID), SQLValue(siteID)]
            )
            guard !device.isEmpty else { throw DomainError.notFound("device", id: deviceID.uuidString.lowercased()) }
            return try await body(connection, organization)
        }
    }

    static func json(_ map: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(map), as: UTF8.self)
    }
}
