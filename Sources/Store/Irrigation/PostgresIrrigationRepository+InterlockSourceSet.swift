import Domain
import Foundation

/// Several interlock sources of one group set at once (UpdateInterlockSources): one transaction, the group's row
/// locked, each device or stream checked to be the group's site's, an audit row per input.
extension PostgresIrrigationRepository: IrrigationSetupStore {
    public func setInterlockSources(
        _ changes: [InterlockInput: InterlockSource?],
        groupID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> [InterlockInput: InterlockSource] {
        for (input, source) in changes { try source?.validate(field: "interlock_sources.\(input.rawValue)") }
        try audit.validate()
        return try await mappingErrors(resource: "interlock source", table: "irrigation_interlock_sources") {
            try await self.client.transaction(scope: scope) { connection in
                let site = try await Self.lockedSite("irrigation_groups", groupID, resource: "group", connection)
                for input in InterlockInput.allCases {
                    guard let change = changes[input] else { continue }
                    try await Self.replaceSource(change, input: input, groupID: groupID, site: site, connection)
                    var details = ["input": input.rawValue, "group_id": groupID.lowercasedText]
                    switch change {
                    case .deviceState(let device, let property)?:
                        details["device_id"] = device.lowercasedText
                        details["property"] = property
                    case .stream(let stream)?: details["stream_id"] = stream.lowercasedText
                    case nil: break
                    }
                    try await connection.audit(
                        change == nil ? "irrigation_interlock_source.delete" : "irrigation_interlock_source.set",
                        resourceType: "irrigation_group",
                        resourceID: groupID.lowercasedText,
                        siteID: site,
                        details: details,
                        scope: scope,
                        context: audit
                    )
                }
                return try await Self.fetchSources(groupID, connection)
            }
        }
    }

    /// Deletes the input's row and inserts `source` (when given), its device or stream checked first.
    static func replaceSource(
        _ source: InterlockSource?,
        input: InterlockInput,
        groupID: UUID,
        site: UUID,
        _ connection: PostgresConnection
    ) async throws {
        let field = "interlock_sources.\(input.rawValue)"
        var device: UUID?
        var property: String?
        var stream: UUID?
        switch source {
        case .deviceState(let id, let name)?:
            (device, property) = (id, name)
            try await SetupReferences.requireEquipment(
                id,
                field: "\(field).device_state.device",
                site: site,
                connection
            )
        case .stream(let id)?:
            stream = id
            try await SetupReferences.require(
                id,
                table: "sensor_streams",
                what: "stream",
                field: "\(field).stream",
                site: site,
                connection
            )
        case nil: break
        }
        try await connection.query(
            "DELETE FROM irrigation_interlock_sources WHERE group_id = $1::uuid AND input = $2",
            [SQLValue(groupID), SQLValue(input.rawValue)]
        )
        guard source != nil else { return }
        try await connection.query(
            """
            INSERT INTO irrigation_interlock_sources (group_id, site_id, input, source_kind, device_id, property,
                stream_id)
            VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6, $7::uuid)
            """,
            [
                SQLValue(groupID), SQLValue(site), SQLValue(input.rawValue),
                SQLValue(stream == nil ? "device_state" : "stream"), SQLValue(device), SQLValue(property),
                SQLValue(stream),
            ]
        )
    }
}
