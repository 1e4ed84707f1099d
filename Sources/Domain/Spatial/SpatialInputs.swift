import Foundation

/// Input of `createRoom`. `id` is for callers that need deterministic ids (the pilot seed); nil generates one.
public struct NewRoom: Sendable, Hashable {
    public var id: UUID?
    public var siteID: UUID
    public var code: String
    public var name: String
    public var roomType: RoomType
    public init(id: UUID? = nil, siteID: UUID, code: String, name: String, roomType: RoomType) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.roomType = roomType
    }
    public func validate() throws {
        try Validate.code(self.code, field: "room.code")
        try Validate.text(self.name, field: "room.name")
    }
}

/// Changes to a room; nil fields stay as they are.
public struct RoomUpdate: Sendable, Hashable {
    public var name: String?
    public var roomType: RoomType?
    public init(name: String? = nil, roomType: RoomType? = nil) {
        self.name = name
        self.roomType = roomType
    }
}

/// Input of `createZone`, `createRack` and `createBin`: `parentID` is the room, zone or rack (in `siteID`).
public struct NewSpatialChild: Sendable, Hashable {
    public var id: UUID?
    public var siteID: UUID
    public var parentID: UUID
    public var code: String
    public var name: String
    public init(id: UUID? = nil, siteID: UUID, parentID: UUID, code: String, name: String) {
        self.id = id
        self.siteID = siteID
        self.parentID = parentID
        self.code = code
        self.name = name
    }
    public func validate(resource: String) throws {
        try Validate.code(self.code, field: "\(resource).code")
        try Validate.text(self.name, field: "\(resource).name")
    }
}

public struct NewInventoryLocation: Sendable, Hashable {
    public var id: UUID?
    public var siteID: UUID
    public var code: String
    public var name: String
    public var locationType: LocationType
    public var anchor: LocationAnchor?
    public init(
        id: UUID? = nil,
        siteID: UUID,
        code: String,
        name: String,
        locationType: LocationType,
        anchor: LocationAnchor? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.locationType = locationType
        self.anchor = anchor
    }
    public func validate() throws {
        try Validate.code(self.code, field: "inventory_location.code")
        try Validate.text(self.name, field: "inventory_location.name")
    }
}

public struct NewEquipment: Sendable, Hashable {
    public var id: UUID?
    public var siteID: UUID
    public var code: String
    public var name: String
    public var kind: EquipmentKind
    /// Required for valves, refused for anything else.
    public var valveLoadClass: ValveLoadClass?
    public var model: String?
    public var serialNumber: String?
    public var roomID: UUID?
    public var zoneID: UUID?
    public var calibrationDueAt: Date?

    public init(
        id: UUID? = nil,
        siteID: UUID,
        code: String,
        name: String,
        kind: EquipmentKind,
        valveLoadClass: ValveLoadClass? = nil,
        model: String? = nil,
        serialNumber: String? = nil,
        roomID: UUID? = nil,
        zoneID: UUID? = nil,
        calibrationDueAt: Date? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.code = code
        self.name = name
        self.kind = kind
        self.valveLoadClass = valveLoadClass
        self.model = model
        self.serialNumber = serialNumber
        self.roomID = roomID
        self.zoneID = zoneID
        self.calibrationDueAt = calibrationDueAt
    }

    public func validate() throws {
        try Validate.code(self.code, field: "equipment.code")
        try Validate.text(self.name, field: "equipment.name")
        try Validate.text(self.model, field: "equipment.model", maximum: 100)
        try Validate.text(self.serialNumber, field: "equipment.serial_number", maximum: 100)
        if self.kind == .valve, self.valveLoadClass == nil {
            throw DomainError.invalid("equipment.valve_load_class", "is required for a valve (HL or STD)")
        }
        if self.kind != .valve, self.valveLoadClass != nil {
            throw DomainError.invalid("equipment.valve_load_class", "applies to valves only")
        }
    }
}

/// Changes to equipment; nil fields stay as they are.
public struct EquipmentUpdate: Sendable, Hashable {
    public var name: String?
    public var status: EquipmentStatus?
    public var model: String?
    public var serialNumber: String?
    public var roomID: UUID?
    public var zoneID: UUID?
    public var valveLoadClass: ValveLoadClass?
    public var calibrationDueAt: Date?

    public init(
        name: String? = nil,
        status: EquipmentStatus? = nil,
        model: String? = nil,
        serialNumber: String? = nil,
        roomID: UUID? = nil,
        zoneID: UUID? = nil,
        valveLoadClass: ValveLoadClass? = nil,
        calibrationDueAt: Date? = nil
    ) {
        self.name = name
        self.status = status
        self.model = model
        self.serialNumber = serialNumber
        self.roomID = roomID
        self.zoneID = zoneID
        self.valveLoadClass = valveLoadClass
        self.calibrationDueAt = calibrationDueAt
    }

    public func validate() throws {
        try Validate.text(self.name, field: "equipment.name")
        try Validate.text(self.model, field: "equipment.model", maximum: 100)
        try Validate.text(self.serialNumber, field: "equipment.serial_number", maximum: 100)
    }
}

public struct NewCalibration: Sendable, Hashable {
    public var id: UUID?
    public var siteID: UUID
    public var equipmentID: UUID
    public var performedAt: Date
    public var result: CalibrationResult
    public var nextDueAt: Date?
    public var notes: String?

    public init(
        id: UUID? = nil,
        siteID: UUID,
        equipmentID: UUID,
        performedAt: Date,
        result: CalibrationResult,
        nextDueAt: Date? = nil,
        notes: String? = nil
    ) {
        self.id = id
        self.siteID = siteID
        self.equipmentID = equipmentID
        self.performedAt = performedAt
        self.result = result
        self.nextDueAt = nextDueAt
        self.notes = notes
    }

    public func validate() throws {
        try Validate.text(self.notes, field: "calibration.notes", maximum: 2000)
        if let nextDueAt, nextDueAt < self.performedAt {
            throw DomainError.invalid("calibration.next_due", "must not be before the calibration date")
        }
    }
}

/// One heartbeat from a device.
public struct Heartbeat: Sendable, Hashable {
    public var siteID: UUID
    public var equipmentID: UUID
    public var status: HealthStatus
    public var at: Date
    public var firmwareVersion: String?
    public var uptimeSeconds: Int?
    public var signalDBm: Int?
    public var faultCode: String?

    public init(
        siteID: UUID,
        equipmentID: UUID,
        status: HealthStatus,
        at: Date,
        firmwareVersion: String? = nil,
        uptimeSeconds: Int? = nil,
        signalDBm: Int? = nil,
        faultCode: String? = nil
    ) {
        self.siteID = siteID
        self.equipmentID = equipmentID
        self.status = status
        self.at = at
        self.firmwareVersion = firmwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.signalDBm = signalDBm
        self.faultCode = faultCode
    }

    public func validate() throws {
        try Validate.text(self.firmwareVersion, field: "heartbeat.firmware_version", maximum: 64)
        if let uptimeSeconds, uptimeSeconds < 0 {
            throw DomainError.invalid("heartbeat.uptime_seconds", "must not be negative")
        }
        if let signalDBm, !(-150...50).contains(signalDBm) {
            throw DomainError.invalid("heartbeat.signal_dbm", "must be between -150 and 50")
        }
        if let faultCode {
            let upper = faultCode.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            }
            guard (2...40).contains(faultCode.count), upper else {
                throw DomainError.invalid("heartbeat.fault_code", "must be an UPPER_SNAKE_CASE fault reason code")
            }
        }
    }
}
