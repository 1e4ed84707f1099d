import Domain
import Foundation

extension PostgresSpatialRepository {
    public func createEquipment(
        _ equipment: NewEquipment,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> Equipment
    {
        try equipment.validate()
        var details = ["kind": equipment.kind.rawValue]
        if let loadClass = equipment.valveLoadClass { details["valve_load_class"] = loadClass.rawValue }
        return try await self.insert(
            SpatialTables.equipment,
            siteID: equipment.siteID,
            sql: """
                INSERT INTO equipment (id, site_id, code, name, kind, valve_load_class, model, serial_number, room_id,
                    zone_id, calibration_due_at)
                VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5, $6, $7, $8, $9::uuid, $10::uuid,
                    $11::timestamptz)
                """,
            [
                SQLValue(equipment.id), SQLValue(equipment.siteID), SQLValue(equipment.code), SQLValue(equipment.name),
                SQLValue(equipment.kind.rawValue), SQLValue(equipment.valveLoadClass?.rawValue),
                SQLValue(equipment.model), SQLValue(equipment.serialNumber), SQLValue(equipment.roomID),
                SQLValue(equipment.zoneID), SQLValue(equipment.calibrationDueAt),
            ],
            details: details,
            in: scope,
            audit: audit
        )
    }

    public func equipment(_ id: UUID, in scope: AccessScope) async throws -> Equipment {
        try await self.fetch(SpatialTables.equipment, id, in: scope)
    }

    public func updateEquipment(
        _ id: UUID,
        _ update: EquipmentUpdate,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> Equipment {
        try update.validate()
        var details: [String: String] = [:]
        if let name = update.name { details["name"] = name }
        if let status = update.status { details["status"] = status.rawValue }
        if let model = update.model { details["model"] = model }
        if let serial = update.serialNumber { details["serial_number"] = serial }
        if let room = update.roomID { details["room_id"] = room.uuidString.lowercased() }
        if let zone = update.zoneID { details["zone_id"] = zone.uuidString.lowercased() }
        if let loadClass = update.valveLoadClass { details["valve_load_class"] = loadClass.rawValue }
        if let due = update.calibrationDueAt { details["calibration_due_at"] = SQLValue(due).text ?? "" }
        return try await self.update(
            SpatialTables.equipment,
            id,
            assignments: """
                name = coalesce($2, name), status = coalesce($3, status), model = coalesce($4, model),
                serial_number = coalesce($5, serial_number), room_id = coalesce($6::uuid, room_id),
                zone_id = coalesce($7::uuid, zone_id), valve_load_class = coalesce($8, valve_load_class),
                calibration_due_at = coalesce($9::timestamptz, calibration_due_at)
                """,
            [
                SQLValue(update.name), SQLValue(update.status?.rawValue), SQLValue(update.model),
                SQLValue(update.serialNumber), SQLValue(update.roomID), SQLValue(update.zoneID),
                SQLValue(update.valveLoadClass?.rawValue), SQLValue(update.calibrationDueAt),
            ],
            details: details,
            in: scope,
            audit: audit
        )
    }

    public func deleteEquipment(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.equipment, id, in: scope, audit: audit)
    }

    public func listEquipment(
        siteID: UUID,
        kind: EquipmentKind?,
        zoneID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Equipment> {
        try await self.list(
            SpatialTables.equipment,
            siteID: siteID,
            parentID: zoneID,
            filter: ("($4::text IS NULL OR kind = $4)", SQLValue(kind?.rawValue)),
            in: scope,
            page: page
        )
    }

    // Calibrations

    public func addCalibration(
        _ calibration: NewCalibration,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> Calibration
    {
        try calibration.validate()
        try scope.require(site: calibration.siteID)
        try audit.validate()
        return try await mappingErrors(resource: "calibration", table: "equipment_calibrations") {
            try await self.client.transaction(scope: scope) { connection in
                let equipment = try await connection.fetch(SpatialTables.equipment, calibration.equipmentID)
                guard equipment.header.siteID == calibration.siteID else {
                    throw DomainError.notFound("equipment", id: calibration.equipmentID.uuidString.lowercased())
                }
                let rows = try await connection.query(
                    """
                    INSERT INTO equipment_calibrations (id, site_id, equipment_id, performed_at, result, next_due_at,
                        performed_by, notes)
                    VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3::uuid, $4::timestamptz, $5,
                        $6::timestamptz, $7::uuid, $8)
                    RETURNING \(Calibration.columns)
                    """,
                    [
                        SQLValue(calibration.id), SQLValue(calibration.siteID), SQLValue(calibration.equipmentID),
                        SQLValue(calibration.performedAt), SQLValue(calibration.result.rawValue),
                        SQLValue(calibration.nextDueAt), SQLValue(scope.userID), SQLValue(calibration.notes),
                    ]
                )
                let created = try Calibration(row: rows[0])
                if let nextDue = calibration.nextDueAt {
                    try await connection.query(
                        "UPDATE equipment SET calibration_due_at = $2::timestamptz, updated_at = now() "
                            + "WHERE id = $1::uuid",
                        [SQLValue(calibration.equipmentID), SQLValue(nextDue)]
                    )
                }
                try await connection.audit(
                    "calibration.create",
                    resourceType: "calibration",
                    resourceID: created.id.uuidString.lowercased(),
                    siteID: created.siteID,
                    details: [
                        "equipment_id": created.equipmentID.uuidString.lowercased(),
                        "result": created.result.rawValue,
                    ],
                    scope: scope,
                    context: audit
                )
                return created
            }
        }
    }

    public func listCalibrations(
        equipmentID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Calibration> {
        let after = try PageCursor.decodeTimeAndID(page.token)
        return try await mappingErrors(resource: "calibration", table: "equipment_calibrations") {
            try await self.client.transaction(scope: scope) { connection in
                _ = try await connection.fetch(SpatialTables.equipment, equipmentID)
                let rows = try await connection.query(
                    """
                    SELECT \(Calibration.columns), (extract(epoch FROM performed_at) * 1000000)::bigint AS performed_us
                    FROM equipment_calibrations
                    WHERE equipment_id = $1::uuid
                      AND ($2::bigint IS NULL OR (performed_at, id)
                           < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid))
                    ORDER BY performed_at DESC, id DESC LIMIT $4
                    """,
                    [SQLValue(equipmentID), SQLValue(after?.micros), SQLValue(after?.id), SQLValue(page.size + 1)]
                )
                let items = try rows.map { (try Calibration(row: $0), try $0.decode("performed_us", as: Int64.self)) }
                let paged = PageCursor.page(items, size: page.size) { [String($0.1), $0.0.id.uuidString] }
                return Page(items: paged.items.map(\.0), nextToken: paged.nextToken)
            }
        }
    }
}

extension SQLValue {
    /// The text form of a text parameter (nil for NULL and binary values).
    var text: String? {
        if case .text(let text) = self.storage { return text }
        return nil
    }
}
