import Foundation

public struct Site: Sendable, Hashable {
    public var id: UUID
    public var organizationID: UUID
    public var name: String
    public var timeZone: String

    public init(id: UUID, organizationID: UUID, name: String, timeZone: String) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.timeZone = timeZone
    }
}

public enum RoomType: String, Sendable, Hashable, CaseIterable {
    case mother, clone, veg, flower, dry, cure, processing, vault, storage, other
}

/// The fields every spatial record shares: identity, site, a site-unique code and a name.
public struct SpatialHeader: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var code: String
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, siteID: UUID, code: String, name: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct Room: Sendable, Hashable {
    public var header: SpatialHeader
    public var roomType: RoomType
    public init(header: SpatialHeader, roomType: RoomType) {
        self.header = header
        self.roomType = roomType
    }
    public var id: UUID { self.header.id }
}

public struct Zone: Sendable, Hashable {
    public var header: SpatialHeader
    public var roomID: UUID
    public init(header: SpatialHeader, roomID: UUID) {
        self.header = header
        self.roomID = roomID
    }
    public var id: UUID { self.header.id }
}

public struct Rack: Sendable, Hashable {
    public var header: SpatialHeader
    public var zoneID: UUID
    public init(header: SpatialHeader, zoneID: UUID) {
        self.header = header
        self.zoneID = zoneID
    }
    public var id: UUID { self.header.id }
}

public struct Bin: Sendable, Hashable {
    public var header: SpatialHeader
    public var rackID: UUID
    public init(header: SpatialHeader, rackID: UUID) {
        self.header = header
        self.rackID = rackID
    }
    public var id: UUID { self.header.id }
}

public enum LocationType: String, Sendable, Hashable, CaseIterable {
    case vault, storage, quarantine, staging, room, zone, rack, bin
}

/// What an inventory location is attached to, if anything (always in the location's site).
public enum LocationAnchor: Sendable, Hashable {
    case room(UUID), zone(UUID), rack(UUID), bin(UUID)
}

public struct InventoryLocation: Sendable, Hashable {
    public var header: SpatialHeader
    public var locationType: LocationType
    public var anchor: LocationAnchor?
    public init(header: SpatialHeader, locationType: LocationType, anchor: LocationAnchor?) {
        self.header = header
        self.locationType = locationType
        self.anchor = anchor
    }
    public var id: UUID { self.header.id }
}

public enum EquipmentKind: String, Sendable, Hashable, CaseIterable {
    case sensor, valve, pump, controller, inverter
}

/// A valve's electrical load class: HL (high load) or STD (standard). Only valves have one.
public enum ValveLoadClass: String, Sendable, Hashable, CaseIterable {
    case highLoad = "HL"
    case standard = "STD"
}

public enum EquipmentStatus: String, Sendable, Hashable, CaseIterable {
    case active, maintenance, retired
}

public struct Equipment: Sendable, Hashable {
    public var header: SpatialHeader
    public var kind: EquipmentKind
    /// Set exactly for valves.
    public var valveLoadClass: ValveLoadClass?
    public var model: String?
    public var serialNumber: String?
    public var roomID: UUID?
    public var zoneID: UUID?
    public var status: EquipmentStatus
    public var calibrationDueAt: Date?

    public init(
        header: SpatialHeader,
        kind: EquipmentKind,
        valveLoadClass: ValveLoadClass?,
        model: String?,
        serialNumber: String?,
        roomID: UUID?,
        zoneID: UUID?,
        status: EquipmentStatus,
        calibrationDueAt: Date?
    ) {
        self.header = header
        self.kind = kind
        self.valveLoadClass = valveLoadClass
        self.model = model
        self.serialNumber = serialNumber
        self.roomID = roomID
        self.zoneID = zoneID
        self.status = status
        self.calibrationDueAt = calibrationDueAt
    }
    public var id: UUID { self.header.id }
}

public enum CalibrationResult: String, Sendable, Hashable, CaseIterable {
    case pass, fail, adjusted
}

public struct Calibration: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var equipmentID: UUID
    public var performedAt: Date
    public var result: CalibrationResult
    public var nextDueAt: Date?
    public var performedBy: UUID?
    public var notes: String?

    public init(
        id: UUID,
        siteID: UUID,
        equipmentID: UUID,
        performedAt: Date,
        result: CalibrationResult,
        nextDueAt: Date?,
        performedBy: UUID?,
        notes: String?
    ) {
        self.id = id
        self.siteID = siteID
        self.equipmentID = equipmentID
        self.performedAt = performedAt
        self.result = result
        self.nextDueAt = nextDueAt
        self.performedBy = performedBy
        self.notes = notes
    }
}

public enum HealthStatus: String, Sendable, Hashable, CaseIterable {
    case online, degraded, offline
}

/// Why a device latched a fault (table `fault_reason_codes`, seeded by the migrations), e.g. `ESTOP`.
public struct FaultReasonCode: Sendable, Hashable {
    public var code: String
    /// safety, hydraulic, electrical, communication or sensor.
    public var category: String
    public var description: String

    public init(code: String, category: String, description: String) {
        self.code = code
        self.category = category
        self.description = description
    }
}

/// The latest heartbeat of a device.
public struct DeviceHealth: Sendable, Hashable {
    public var equipmentID: UUID
    public var siteID: UUID
    public var status: HealthStatus
    public var lastHeartbeatAt: Date
    public var firmwareVersion: String?
    public var uptimeSeconds: Int?
    public var signalDBm: Int?
    /// A `fault_reason_codes` code when the device reports a fault.
    public var faultCode: String?

    public init(
        equipmentID: UUID,
        siteID: UUID,
        status: HealthStatus,
        lastHeartbeatAt: Date,
        firmwareVersion: String?,
        uptimeSeconds: Int?,
        signalDBm: Int?,
        faultCode: String?
    ) {
        self.equipmentID = equipmentID
        self.siteID = siteID
        self.status = status
        self.lastHeartbeatAt = lastHeartbeatAt
        self.firmwareVersion = firmwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.signalDBm = signalDBm
        self.faultCode = faultCode
    }
}

public struct ValveZoneMapping: Sendable, Hashable {
    public var valveID: UUID
    public var zoneID: UUID
    public var siteID: UUID
    public var createdAt: Date

    public init(valveID: UUID, zoneID: UUID, siteID: UUID, createdAt: Date) {
        self.valveID = valveID
        self.zoneID = zoneID
        self.siteID = siteID
        self.createdAt = createdAt
    }
}

/// A site's hierarchy: rooms, each with its zones, each with its racks and their bins, plus the equipment placed in
/// each room/zone.
public struct SpatialTree: Sendable, Hashable {
    public struct RackNode: Sendable, Hashable {
        public var rack: Rack
        public var bins: [Bin]
        public init(rack: Rack, bins: [Bin]) {
            self.rack = rack
            self.bins = bins
        }
    }
    public struct ZoneNode: Sendable, Hashable {
        public var zone: Zone
        public var racks: [RackNode]
        public var equipment: [Equipment]
        public init(zone: Zone, racks: [RackNode], equipment: [Equipment]) {
            self.zone = zone
            self.racks = racks
            self.equipment = equipment
        }
    }
    public struct RoomNode: Sendable, Hashable {
        public var room: Room
        public var zones: [ZoneNode]
        /// Equipment in the room but in no zone.
        public var equipment: [Equipment]
        public init(room: Room, zones: [ZoneNode], equipment: [Equipment]) {
            self.room = room
            self.zones = zones
            self.equipment = equipment
        }
    }

    public var siteID: UUID
    public var rooms: [RoomNode]

    public init(siteID: UUID, rooms: [RoomNode]) {
        self.siteID = siteID
        self.rooms = rooms
    }
}
