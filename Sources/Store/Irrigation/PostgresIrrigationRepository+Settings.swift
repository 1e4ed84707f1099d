import Domain
import Foundation

/// Site irrigation settings and each group's interlock sources (migration 0010).
extension PostgresIrrigationRepository: IrrigationEngineStore {
    public func settings(siteID: UUID, in scope: AccessScope) async throws -> IrrigationSiteSettings {
        try scope.require(site: siteID)
        return try await mappingErrors(resource: "settings", table: "irrigation_site_settings") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.readSettings(siteID: siteID, on: connection)
            }
        }
    }

    /// Reads, changes and stores the site's settings in one transaction that holds the site's settings lock, so two
    /// concurrent updates of different fields cannot undo each other (each sees the other's committed change).
    public func updateSettings(
        siteID: UUID,
        in scope: AccessScope,
        audit: AuditContext,
        _ change: @Sendable (IrrigationSiteSettings) throws -> IrrigationSiteSettings
    ) async throws -> IrrigationSiteSettings {
        try scope.require(site: siteID)
        try audit.validate()
        return try await mappingErrors(resource: "settings", table: "irrigation_site_settings") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended('irrigation_site_settings:' || $1, 0))",
                    [SQLValue(siteID.uuidString.lowercased())]
                )
                let updated = try change(try await Self.readSettings(siteID: siteID, on: connection))
                try await Self.writeSettings(updated, on: connection, scope: scope, audit: audit)
                return updated
            }
        }
    }

    static func readSettings(siteID: UUID, on connection: PostgresConnection) async throws -> IrrigationSiteSettings {
        let rows = try await connection.query(
            """
            SELECT manual_approval, stale_after_seconds, required_inputs::text AS required_inputs,
                tank_minimum_percent, ec_min, ec_max, ph_min, ph_max, alarm_delays::text AS alarm_delays,
                command_expiry_seconds, command_ack_timeout_seconds, command_max_attempts
            FROM irrigation_site_settings WHERE site_id = $1::uuid
            """,
            [SQLValue(siteID)]
        )
        guard let row = rows.first else { return IrrigationSiteSettings(siteID: siteID) }
        return try Self.decodeSettings(row, siteID: siteID)
    }

    public func saveSettings(
        _ settings: IrrigationSiteSettings,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try audit.validate()
        try scope.require(site: settings.siteID)
        try await mappingErrors(resource: "settings", table: "irrigation_site_settings") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.writeSettings(settings, on: connection, scope: scope, audit: audit)
            }
        }
    }

    static func writeSettings(
        _ settings: IrrigationSiteSettings,
        on connection: PostgresConnection,
        scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try settings.validate()
        let policy = settings.policy
        let required = "{" + policy.requiredInputs.map(\.rawValue).sorted().joined(separator: ",") + "}"
        let delays = try Self.alarmDelaysJSON(policy.alarmDelays)
        try await connection.query(
            """
            INSERT INTO irrigation_site_settings (site_id, manual_approval, stale_after_seconds, required_inputs,
                tank_minimum_percent, ec_min, ec_max, ph_min, ph_max, alarm_delays, command_expiry_seconds,
                command_ack_timeout_seconds, command_max_attempts)
            VALUES ($1::uuid, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)
            ON CONFLICT (site_id) DO UPDATE SET manual_approval = EXCLUDED.manual_approval,
                stale_after_seconds = EXCLUDED.stale_after_seconds, required_inputs = EXCLUDED.required_inputs,
                tank_minimum_percent = EXCLUDED.tank_minimum_percent, ec_min = EXCLUDED.ec_min,
                ec_max = EXCLUDED.ec_max, ph_min = EXCLUDED.ph_min, ph_max = EXCLUDED.ph_max,
                alarm_delays = EXCLUDED.alarm_delays, command_expiry_seconds = EXCLUDED.command_expiry_seconds,
                command_ack_timeout_seconds = EXCLUDED.command_ack_timeout_seconds,
                command_max_attempts = EXCLUDED.command_max_attempts, updated_at = now()
            """,
            [
                SQLValue(settings.siteID), SQLValue(settings.manualApproval), SQLValue(policy.staleAfter),
                SQLValue(required), SQLValue(policy.tankMinimumPercent), SQLValue(policy.ecBounds.lowerBound),
                SQLValue(policy.ecBounds.upperBound), SQLValue(policy.phBounds.lowerBound),
                SQLValue(policy.phBounds.upperBound), SQLValue(delays),
                SQLValue(settings.commandTiming.expiry), SQLValue(settings.commandTiming.ackTimeout),
                SQLValue(settings.commandTiming.maxAttempts),
            ]
        )
        try await connection.audit(
            "irrigation_settings.update",
            resourceType: "irrigation_settings",
            resourceID: settings.siteID.uuidString.lowercased(),
            siteID: settings.siteID,
            details: [
                "manual_approval": String(settings.manualApproval), "required_inputs": required,
                "stale_after_seconds": String(policy.staleAfter),
            ],
            scope: scope,
            context: audit
        )
    }

    public func interlockSources(
        groupID: UUID,
        in scope: AccessScope
    ) async throws -> [InterlockInput: InterlockSource] {
        try await mappingErrors(resource: "interlock source", table: "irrigation_interlock_sources") {
            try await self.client.transaction(scope: scope) { try await Self.fetchSources(groupID, $0) }
        }
    }

    public func setInterlockSource(
        _ source: InterlockSource?,
        for input: InterlockInput,
        groupID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try source?.validate(field: "source")
        try audit.validate()
        var device: UUID?
        var property: String?
        var stream: UUID?
        switch source {
        case .deviceState(let id, let name)?: (device, property) = (id, name)
        case .stream(let id)?: stream = id
        case nil: break
        }
        try await mappingErrors(resource: "interlock source", table: "irrigation_interlock_sources") {
            try await self.client.transaction(scope: scope) { connection in
                let group = try await Self.fetchGroup(groupID, connection)
                try await connection.query(
                    "DELETE FROM irrigation_interlock_sources WHERE group_id = $1::uuid AND input = $2",
                    [SQLValue(groupID), SQLValue(input.rawValue)]
                )
                if source != nil {
                    try await connection.query(
                        """
                        INSERT INTO irrigation_interlock_sources (group_id, site_id, input, source_kind, device_id,
                            property, stream_id)
                        VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6, $7::uuid)
                        """,
                        [
                            SQLValue(groupID), SQLValue(group.siteID), SQLValue(input.rawValue),
                            SQLValue(stream == nil ? "device_state" : "stream"), SQLValue(device), SQLValue(property),
                            SQLValue(stream),
                        ]
                    )
                }
                var details = ["input": input.rawValue, "group_id": groupID.uuidString.lowercased()]
                if let device { details["device_id"] = device.uuidString.lowercased() }
                if let property { details["property"] = property }
                if let stream { details["stream_id"] = stream.uuidString.lowercased() }
                try await connection.audit(
                    source == nil ? "irrigation_interlock_source.delete" : "irrigation_interlock_source.set",
                    resourceType: "irrigation_group",
                    resourceID: groupID.uuidString.lowercased(),
                    siteID: group.siteID,
                    details: details,
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    static func fetchSources(
        _ groupID: UUID,
        _ connection: PostgresConnection
    ) async throws -> [InterlockInput: InterlockSource] {
        let rows = try await connection.query(
            """
            SELECT input, source_kind, device_id, property, stream_id FROM irrigation_interlock_sources
            WHERE group_id = $1::uuid
            """,
            [SQLValue(groupID)]
        )
        var sources: [InterlockInput: InterlockSource] = [:]
        for row in rows {
            let input: InterlockInput = try row.decodeEnum("input")
            if let stream = try row.decode("stream_id", as: UUID?.self) {
                sources[input] = .stream(stream)
            } else {
                sources[input] = .deviceState(
                    deviceID: try row.decode("device_id"),
                    property: try row.decode("property")
                )
            }
        }
        return sources
    }

    static func decodeSettings(_ row: PostgresRow, siteID: UUID) throws -> IrrigationSiteSettings {
        let required = try row.decode("required_inputs", as: String.self).arrayElements.map { element in
            guard let input = InterlockInput(rawValue: String(element)) else {
                throw PostgresError(code: .decoding, message: "required_inputs holds '\(element)'")
            }
            return input
        }
        let policy = InterlockPolicy(
            staleAfter: try row.decode("stale_after_seconds"),
            requiredInputs: Set(required),
            tankMinimumPercent: try row.decode("tank_minimum_percent"),
            ecBounds: try row.decode("ec_min", as: Double.self)...row.decode("ec_max", as: Double.self),
            phBounds: try row.decode("ph_min", as: Double.self)...row.decode("ph_max", as: Double.self),
            alarmDelays: try Self.alarmDelays(row.decode("alarm_delays"))
        )
        return IrrigationSiteSettings(
            siteID: siteID,
            manualApproval: try row.decode("manual_approval"),
            policy: policy,
            commandTiming: CommandTiming(
                expiry: try row.decode("command_expiry_seconds"),
                ackTimeout: try row.decode("command_ack_timeout_seconds"),
                maxAttempts: try row.decode("command_max_attempts")
            )
        )
    }

    static func alarmDelaysJSON(_ delays: [InterlockReason: TimeInterval]) throws -> String {
        let object = Dictionary(uniqueKeysWithValues: delays.map { ($0.key.rawValue, $0.value) })
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
    }

    static func alarmDelays(_ text: String) throws -> [InterlockReason: TimeInterval] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PostgresError(code: .decoding, message: "alarm_delays is not an object of seconds")
        }
        var delays: [InterlockReason: TimeInterval] = [:]
        for (key, value) in object {
            guard let reason = InterlockReason(rawValue: key), let seconds = (value as? NSNumber)?.doubleValue else {
                throw PostgresError(code: .decoding, message: "alarm_delays key '\(key)' is not a reason")
            }
            delays[reason] = seconds
        }
        return delays
    }
}
