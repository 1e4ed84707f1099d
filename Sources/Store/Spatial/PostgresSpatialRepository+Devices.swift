import Domain
import Foundation

extension PostgresSpatialRepository {
    // Device health

    public func recordHeartbeat(
        _ heartbeat: Heartbeat,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> DeviceHealth
    {
        try heartbeat.validate()
        try scope.require(site: heartbeat.siteID)
        try audit.validate()
        return try await mappingErrors(resource: "heartbeat", table: "device_health") {
            try await self.client.transaction(scope: scope) { connection in
                let equipment = try await connection.fetch(SpatialTables.equipment, heartbeat.equipmentID)
                guard equipment.header.siteID == heartbeat.siteID else {
                    throw DomainError.notFound("equipment", id: heartbeat.equipmentID.uuidString.lowercased())
                }
                if let fault = heartbeat.faultCode {
                    let known = try await connection.query(
                        "SELECT 1 FROM fault_reason_codes WHERE code = $1",
                        [SQLValue(fault)]
                    )
                    if known.isEmpty {
                        throw DomainError.invalid("heartbeat.fault_code", "'\(fault)' is not a known fault reason code")
                    }
                }
                let previous = try await connection.query(
                    "SELECT status FROM device_health WHERE equipment_id = $1::uuid FOR UPDATE",
                    [SQLValue(heartbeat.equipmentID)]
                ).first.map { try $0.decodeEnum("status", as: HealthStatus.self) }
                // A heartbeat older than the recorded one (reordered delivery) leaves the newer one in place.
                let rows = try await connection.query(
                    """
                    INSERT INTO device_health (equipment_id, site_id, status, last_heartbeat_at, firmware_version,
                        uptime_seconds, signal_dbm, fault_code)
                    VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz, $5, $6, $7, $8)
                    ON CONFLICT (equipment_id) DO UPDATE SET status = EXCLUDED.status,
                        last_heartbeat_at = EXCLUDED.last_heartbeat_at, firmware_version = EXCLUDED.firmware_version,
                        uptime_seconds = EXCLUDED.uptime_seconds, signal_dbm = EXCLUDED.signal_dbm,
                        fault_code = EXCLUDED.fault_code
                    WHERE device_health.last_heartbeat_at <= EXCLUDED.last_heartbeat_at
                    RETURNING \(DeviceHealth.columns)
                    """,
                    [
                        SQLValue(heartbeat.equipmentID), SQLValue(heartbeat.siteID),
                        SQLValue(heartbeat.status.rawValue), SQLValue(heartbeat.at),
                        SQLValue(heartbeat.firmwareVersion),
                        SQLValue(heartbeat.uptimeSeconds), SQLValue(heartbeat.signalDBm), SQLValue(heartbeat.faultCode),
                    ]
                )
                guard let row = rows.first else {
                    return try await connection.deviceHealth(heartbeat.equipmentID)!
                }
                let health = try DeviceHealth(row: row)
                if previous != health.status {
                    var details = ["status": health.status.rawValue, "previous": previous?.rawValue ?? "none"]
                    if let fault = health.faultCode { details["fault_code"] = fault }
                    try await connection.audit(
                        "device.status_change",
                        resourceType: "equipment",
                        resourceID: health.equipmentID.uuidString.lowercased(),
                        siteID: health.siteID,
                        details: details,
                        scope: scope,
                        context: audit
                    )
                }
                return health
            }
        }
    }

    public func listFaultReasonCodes() async throws -> [FaultReasonCode] {
        try await mappingErrors(resource: "fault_reason_code", table: "fault_reason_codes") {
            try await self.client.query("SELECT code, category, description FROM fault_reason_codes ORDER BY code")
                .map { row in
                    FaultReasonCode(
                        code: try row.decode("code"),
                        category: try row.decode("category"),
                        description: try row.decode("description")
                    )
                }
        }
    }

    public func deviceHealth(equipmentID: UUID, in scope: AccessScope) async throws -> DeviceHealth? {
        try await mappingErrors(resource: "heartbeat", table: "device_health") {
            try await self.client.transaction(scope: scope) { connection in
                _ = try await connection.fetch(SpatialTables.equipment, equipmentID)
                return try await connection.deviceHealth(equipmentID)
            }
        }
    }

    public func listDeviceHealth(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<DeviceHealth>
    {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "heartbeat", table: "device_health") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(DeviceHealth.columns) FROM device_health
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR equipment_id > $2::uuid)
                    ORDER BY equipment_id LIMIT $3
                    """,
                    [SQLValue(siteID), SQLValue(after), SQLValue(page.size + 1)]
                )
                return PageCursor.page(try rows.map(DeviceHealth.init(row:)), size: page.size) {
                    [$0.equipmentID.uuidString]
                }
            }
        }
    }

    // Valve -> zone mappings

    public func mapValve(
        _ valveID: UUID,
        toZone zoneID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    )
        async throws -> ValveZoneMapping
    {
        try audit.validate()
        return try await mappingErrors(resource: "valve_zone_mapping", table: "valve_zone_mappings") {
            try await self.client.transaction(scope: scope) { connection in
                let valve = try await connection.fetch(SpatialTables.equipment, valveID)
                guard valve.kind == .valve else {
                    throw DomainError.invalid(
                        "valve_id",
                        "equipment \(valve.header.code) is a \(valve.kind.rawValue), not a valve"
                    )
                }
                let zone = try await connection.fetch(SpatialTables.zones, zoneID)
                guard zone.header.siteID == valve.header.siteID else {
                    throw DomainError(
                        code: .failedPrecondition,
                        message: "the valve and the zone are in different sites",
                        reason: "CROSS_SITE_MAPPING"
                    )
                }
                let inserted = try await connection.query(
                    """
                    INSERT INTO valve_zone_mappings (valve_id, zone_id, site_id) VALUES ($1::uuid, $2::uuid, $3::uuid)
                    ON CONFLICT DO NOTHING RETURNING \(ValveZoneMapping.columns)
                    """,
                    [SQLValue(valveID), SQLValue(zoneID), SQLValue(valve.header.siteID)]
                )
                if let row = inserted.first {
                    let mapping = try ValveZoneMapping(row: row)
                    try await connection.audit(
                        "valve_zone_mapping.create",
                        resourceType: "equipment",
                        resourceID: valveID.uuidString.lowercased(),
                        siteID: mapping.siteID,
                        details: ["zone_id": zoneID.uuidString.lowercased()],
                        scope: scope,
                        context: audit
                    )
                    return mapping
                }
                let existing = try await connection.query(
                    "SELECT \(ValveZoneMapping.columns) FROM valve_zone_mappings "
                        + "WHERE valve_id = $1::uuid AND zone_id = $2::uuid",
                    [SQLValue(valveID), SQLValue(zoneID)]
                )
                return try ValveZoneMapping(row: existing[0])
            }
        }
    }

    public func unmapValve(
        _ valveID: UUID,
        fromZone zoneID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    )
        async throws
    {
        try audit.validate()
        try await mappingErrors(resource: "valve_zone_mapping", table: "valve_zone_mappings") {
            try await self.client.transaction(scope: scope) { connection in
                let deleted = try await connection.query(
                    "DELETE FROM valve_zone_mappings WHERE valve_id = $1::uuid AND zone_id = $2::uuid RETURNING site_id",
                    [SQLValue(valveID), SQLValue(zoneID)]
                )
                guard let row = deleted.first else {
                    throw DomainError.notFound(
                        "valve_zone_mapping",
                        id: "\(valveID.uuidString.lowercased())/"
                            + zoneID.uuidString.lowercased()
                    )
                }
                try await connection.audit(
                    "valve_zone_mapping.delete",
                    resourceType: "equipment",
                    resourceID: valveID.uuidString.lowercased(),
                    siteID: try row.decode("site_id", as: UUID.self),
                    details: ["zone_id": zoneID.uuidString.lowercased()],
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    public func listValveZoneMappings(
        siteID: UUID,
        valveID: UUID?,
        zoneID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<ValveZoneMapping> {
        try scope.require(site: siteID)
        let cursor = try PageCursor.decode(page.token, parts: 2)
        let afterValve = try cursor.map { try PageCursor.uuid($0[0]) }
        let afterZone = try cursor.map { try PageCursor.uuid($0[1]) }
        return try await mappingErrors(resource: "valve_zone_mapping", table: "valve_zone_mappings") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(ValveZoneMapping.columns) FROM valve_zone_mappings
                    WHERE site_id = $1::uuid AND ($2::uuid IS NULL OR valve_id = $2::uuid)
                      AND ($3::uuid IS NULL OR zone_id = $3::uuid)
                      AND ($4::uuid IS NULL OR (valve_id, zone_id) > ($4::uuid, $5::uuid))
                    ORDER BY valve_id, zone_id LIMIT $6
                    """,
                    [
                        SQLValue(siteID), SQLValue(valveID), SQLValue(zoneID), SQLValue(afterValve),
                        SQLValue(afterZone), SQLValue(page.size + 1),
                    ]
                )
                return PageCursor.page(try rows.map(ValveZoneMapping.init(row:)), size: page.size) {
                    [$0.valveID.uuidString, $0.zoneID.uuidString]
                }
            }
        }
    }

    // Tree

    public func tree(siteID: UUID, in scope: AccessScope) async throws -> SpatialTree {
        try scope.require(site: siteID)
        return try await mappingErrors(resource: "site", table: "sites") {
            try await self.client.transaction(scope: scope) { connection in
                func all<R>(_ table: SpatialTable<R>) async throws -> [R] {
                    try await connection.query(
                        "SELECT \(table.columns) FROM \(table.table) WHERE site_id = $1::uuid ORDER BY code",
                        [SQLValue(siteID)]
                    ).map(table.decode)
                }
                let rooms = try await all(SpatialTables.rooms)
                let zones = Dictionary(grouping: try await all(SpatialTables.zones), by: \.roomID)
                let racks = Dictionary(grouping: try await all(SpatialTables.racks), by: \.zoneID)
                let bins = Dictionary(grouping: try await all(SpatialTables.bins), by: \.rackID)
                let equipment = try await all(SpatialTables.equipment)
                let byZone = Dictionary(grouping: equipment.filter { $0.zoneID != nil }, by: { $0.zoneID! })
                let byRoom = Dictionary(
                    grouping: equipment.filter { $0.zoneID == nil && $0.roomID != nil },
                    by: { $0.roomID! }
                )
                return SpatialTree(
                    siteID: siteID,
                    rooms: rooms.map { room in
                        SpatialTree.RoomNode(
                            room: room,
                            zones: (zones[room.id] ?? []).map { zone in
                                SpatialTree.ZoneNode(
                                    zone: zone,
                                    racks: (racks[zone.id] ?? []).map {
                                        SpatialTree.RackNode(rack: $0, bins: bins[$0.id] ?? [])
                                    },
                                    equipment: byZone[zone.id] ?? []
                                )
                            },
                            equipment: byRoom[room.id] ?? []
                        )
                    }
                )
            }
        }
    }
}

extension PostgresConnection {
    func deviceHealth(_ equipmentID: UUID) async throws -> DeviceHealth? {
        try await self.query(
            "SELECT \(DeviceHealth.columns) FROM device_health WHERE equipment_id = $1::uuid",
            [SQLValue(equipmentID)]
        ).first.map(DeviceHealth.init(row:))
    }
}
