import Domain
import Foundation

/// How one spatial table maps to its record: names for errors and audit, the select list and the decoder.
struct SpatialTable<Record: Sendable>: Sendable {
    /// Singular, for messages, reasons and audit actions: `room`, `inventory_location`.
    let resource: String
    let table: String
    /// The parent foreign key column for `list(parentID:)`, if any.
    let parentColumn: String?
    let columns: String
    let decode: @Sendable (PostgresRow) throws -> Record
    let header: @Sendable (Record) -> SpatialHeader
}

extension SpatialHeader {
    static let columns = "id, site_id, code, name, created_at, updated_at"

    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            code: try row.decode("code"),
            name: try row.decode("name"),
            createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at")
        )
    }
}

enum SpatialTables {
    static let rooms = SpatialTable<Room>(
        resource: "room",
        table: "rooms",
        parentColumn: nil,
        columns: SpatialHeader.columns + ", room_type",
        decode: { Room(header: try SpatialHeader(row: $0), roomType: try $0.decodeEnum("room_type")) },
        header: \.header
    )
    static let zones = SpatialTable<Zone>(
        resource: "zone",
        table: "zones",
        parentColumn: "room_id",
        columns: SpatialHeader.columns + ", room_id",
        decode: { Zone(header: try SpatialHeader(row: $0), roomID: try $0.decode("room_id")) },
        header: \.header
    )
    static let racks = SpatialTable<Rack>(
        resource: "rack",
        table: "racks",
        parentColumn: "zone_id",
        columns: SpatialHeader.columns + ", zone_id",
        decode: { Rack(header: try SpatialHeader(row: $0), zoneID: try $0.decode("zone_id")) },
        header: \.header
    )
    static let bins = SpatialTable<Bin>(
        resource: "bin",
        table: "bins",
        parentColumn: "rack_id",
        columns: SpatialHeader.columns + ", rack_id",
        decode: { Bin(header: try SpatialHeader(row: $0), rackID: try $0.decode("rack_id")) },
        header: \.header
    )
    static let inventoryLocations = SpatialTable<InventoryLocation>(
        resource: "inventory_location",
        table: "inventory_locations",
        parentColumn: nil,
        columns: SpatialHeader.columns + ", location_type, room_id, zone_id, rack_id, bin_id",
        decode: { row in
            let anchor: LocationAnchor? =
                if let id = try row.decode("room_id", as: UUID?.self) {
                    .room(id)
                } else if let id = try row.decode("zone_id", as: UUID?.self) {
                    .zone(id)
                } else if let id = try row.decode("rack_id", as: UUID?.self) {
                    .rack(id)
                } else if let id = try row.decode("bin_id", as: UUID?.self) {
                    .bin(id)
                } else {
                    nil
                }
            return InventoryLocation(
                header: try SpatialHeader(row: row),
                locationType: try row.decodeEnum("location_type"),
                anchor: anchor
            )
        },
        header: \.header
    )
    static let equipment = SpatialTable<Equipment>(
        resource: "equipment",
        table: "equipment",
        parentColumn: "zone_id",
        columns: SpatialHeader.columns
            + ", kind, valve_load_class, model, serial_number, room_id, zone_id, status, calibration_due_at",
        decode: { row in
            Equipment(
                header: try SpatialHeader(row: row),
                kind: try row.decodeEnum("kind"),
                valveLoadClass: try row.decodeEnum("valve_load_class", as: ValveLoadClass?.self),
                model: try row.decode("model"),
                serialNumber: try row.decode("serial_number"),
                roomID: try row.decode("room_id"),
                zoneID: try row.decode("zone_id"),
                status: try row.decodeEnum("status"),
                calibrationDueAt: try row.decode("calibration_due_at")
            )
        },
        header: \.header
    )
}

extension Calibration {
    static let columns = "id, site_id, equipment_id, performed_at, result, next_due_at, performed_by, notes"

    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            equipmentID: try row.decode("equipment_id"),
            performedAt: try row.decode("performed_at"),
            result: try row.decodeEnum("result"),
            nextDueAt: try row.decode("next_due_at"),
            performedBy: try row.decode("performed_by"),
            notes: try row.decode("notes")
        )
    }
}

extension DeviceHealth {
    static let columns = """
        equipment_id, site_id, status, last_heartbeat_at, firmware_version, uptime_seconds, signal_dbm, fault_code
        """

    init(row: PostgresRow) throws {
        self.init(
            equipmentID: try row.decode("equipment_id"),
            siteID: try row.decode("site_id"),
            status: try row.decodeEnum("status"),
            lastHeartbeatAt: try row.decode("last_heartbeat_at"),
            firmwareVersion: try row.decode("firmware_version"),
            uptimeSeconds: try row.decode("uptime_seconds"),
            signalDBm: try row.decode("signal_dbm"),
            faultCode: try row.decode("fault_code")
        )
    }
}

extension ValveZoneMapping {
    static let columns = "valve_id, zone_id, site_id, created_at"

    init(row: PostgresRow) throws {
        self.init(
            valveID: try row.decode("valve_id"),
            zoneID: try row.decode("zone_id"),
            siteID: try row.decode("site_id"),
            createdAt: try row.decode("created_at")
        )
    }
}
