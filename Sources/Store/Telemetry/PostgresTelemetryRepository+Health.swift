import Domain
import Foundation

extension PostgresTelemetryRepository {
    public func markSilentDevicesOffline(heartbeatBefore: Date) async throws -> [UUID] {
        try await mappingErrors(resource: "device", table: "device_health") {
            let stale = try await self.client.query(
                "SELECT equipment_id, site_id, organization_id FROM harvestry_stale_devices($1)",
                [SQLValue(heartbeatBefore)]
            )
            var marked: [UUID] = []
            for row in stale {
                let device: UUID = try row.decode("equipment_id")
                let site: UUID = try row.decode("site_id")
                let organization: UUID = try row.decode("organization_id")
                let changed = try await self.client.transaction { connection in
                    try await connection.setScope(organizationID: organization, userID: nil, siteIDs: [site])
                    // Re-checked under the row lock: a heartbeat may have arrived since the scan.
                    let updated = try await connection.query(
                        """
                        UPDATE device_health SET status = 'offline'
                        WHERE equipment_id = $1::uuid AND status <> 'offline' AND last_heartbeat_at < $2
                        RETURNING status
                        """,
                        [SQLValue(device), SQLValue(heartbeatBefore)]
                    )
                    guard !updated.isEmpty else { return false }
                    try await Self.auditStatus(
                        device,
                        site: site,
                        organization: organization,
                        status: "offline",
                        reason: "heartbeat_timeout",
                        connection
                    )
                    return true
                }
                if changed { marked.append(device) }
            }
            return marked
        }
    }

    public func recordConnectivity(deviceID: UUID, siteID: UUID, online: Bool, at: Date) async throws {
        try await mappingErrors(resource: "device", table: "device_health") {
            try await self.inDeviceScope(deviceID, siteID: siteID) { connection, organization in
                let previous: String? = try await connection.query(
                    "SELECT status FROM device_health WHERE equipment_id = $1::uuid FOR UPDATE",
                    [SQLValue(deviceID)]
                ).first?.decode("status")
                let status = online ? "online" : "offline"
                // ONLINE is a heartbeat; OFFLINE (a last will) changes the status only.
                try await connection.query(
                    """
                    INSERT INTO device_health (equipment_id, site_id, status, last_heartbeat_at)
                    VALUES ($1::uuid, $2::uuid, $3, $4)
                    ON CONFLICT (equipment_id) DO UPDATE SET status = EXCLUDED.status,
                        last_heartbeat_at = CASE WHEN $3 = 'online'
                            THEN greatest(device_health.last_heartbeat_at, EXCLUDED.last_heartbeat_at)
                            ELSE device_health.last_heartbeat_at END
                    """,
                    [SQLValue(deviceID), SQLValue(siteID), SQLValue(status), SQLValue(at)]
                )
                if previous != status {
                    try await Self.auditStatus(
                        deviceID,
                        site: siteID,
                        organization: organization,
                        status: status,
                        reason: online ? "online" : "last_will",
                        connection
                    )
                }
            }
        }
    }

    /// The audit row of a status change made by the server itself (no user: the actor is NULL).
    static func auditStatus(
        _ device: UUID,
        site: UUID,
        organization: UUID,
        status: String,
        reason: String,
        _ connection: PostgresConnection
    ) async throws {
        _ = try await connection.appendAudit(
            AuditEvent(
                organizationID: organization,
                siteID: site,
                actorUserID: nil,
                action: "device.status_change",
                resourceType: "equipment",
                resourceID: device.uuidString.lowercased(),
                requestID: nil,
                details: AuditEvent.details(["status": status, "cause": reason]),
                occurredAtMicros: AuditEvent.nowMicros()
            )
        )
    }
}
