import API
import Domain
import Foundation
import SwiftProtobuf

/// Domain records as SpatialService messages. Names are built from ids; references stay within the record's site.
extension Harvestry_Spatial_V1_Room {
    init(_ room: Domain.Room) {
        self.init()
        let header = room.header
        self.setHeader(header, .room)
        self.roomType = room.roomType.rawValue
    }
}

extension Harvestry_Spatial_V1_Zone {
    init(_ zone: Domain.Zone) {
        self.init()
        let header = zone.header
        self.setHeader(header, .zone)
        self.room = ResourcePattern.room.format(header.siteID, zone.roomID)
    }
}

extension Harvestry_Spatial_V1_Rack {
    init(_ rack: Domain.Rack) {
        self.init()
        let header = rack.header
        self.setHeader(header, .rack)
        self.zone = ResourcePattern.zone.format(header.siteID, rack.zoneID)
    }
}

extension Harvestry_Spatial_V1_Bin {
    init(_ bin: Domain.Bin) {
        self.init()
        let header = bin.header
        self.setHeader(header, .bin)
        self.rack = ResourcePattern.rack.format(header.siteID, bin.rackID)
    }
}

extension Harvestry_Spatial_V1_InventoryLocation {
    init(_ location: Domain.InventoryLocation) {
        self.init()
        let header = location.header
        self.setHeader(header, .location)
        self.locationType = location.locationType.rawValue
        switch location.anchor {
        case .room(let id): self.anchor = ResourcePattern.room.format(header.siteID, id)
        case .zone(let id): self.anchor = ResourcePattern.zone.format(header.siteID, id)
        case .rack(let id): self.anchor = ResourcePattern.rack.format(header.siteID, id)
        case .bin(let id): self.anchor = ResourcePattern.bin.format(header.siteID, id)
        case nil: break
        }
    }
}

extension Harvestry_Spatial_V1_Equipment {
    init(_ equipment: Domain.Equipment) {
        self.init()
        let header = equipment.header
        self.setHeader(header, .equipment)
        self.kind = Self.kind(equipment.kind)
        switch equipment.valveLoadClass {
        case .highLoad: self.loadClass = .highLoad
        case .standard: self.loadClass = .standard
        case nil: self.loadClass = .unspecified
        }
        self.model = equipment.model ?? ""
        self.serialNumber = equipment.serialNumber ?? ""
        if let room = equipment.roomID { self.room = ResourcePattern.room.format(header.siteID, room) }
        if let zone = equipment.zoneID {
            self.zone = ResourcePattern.zone.format(header.siteID, zone)
            self.zoneID = zone.lowercasedString
        }
        switch equipment.status {
        case .active: self.status = .active
        case .maintenance: self.status = .maintenance
        case .retired: self.status = .retired
        }
        if let due = equipment.calibrationDueAt { self.calibrationDueDate = CalendarDate.format(due) }
    }

    static func kind(_ kind: EquipmentKind) -> Kind {
        switch kind {
        case .sensor: return .sensor
        case .valve: return .valve
        case .pump: return .pump
        case .controller: return .controller
        case .inverter: return .inverter
        }
    }
}

extension Harvestry_Spatial_V1_Calibration {
    init(_ calibration: Domain.Calibration) {
        self.init()
        self.name = ResourcePattern.calibration.format(calibration.siteID, calibration.equipmentID, calibration.id)
        self.id = calibration.id.lowercasedString
        self.date = Google_Protobuf_Timestamp(date: calibration.performedAt)
        switch calibration.result {
        case .pass: self.result = .pass
        case .fail: self.result = .fail
        case .adjusted: self.result = .adjusted
        }
        if let next = calibration.nextDueAt { self.nextDue = Google_Protobuf_Timestamp(date: next) }
        self.notes = calibration.notes ?? ""
        if let user = calibration.performedBy { self.performedBy = ResourcePattern.user.format(user) }
    }
}

extension Harvestry_Spatial_V1_DeviceHealth {
    init(_ health: Domain.DeviceHealth) {
        self.init()
        self.name = ResourcePattern.deviceHealth.format(health.siteID, health.equipmentID)
        switch health.status {
        case .online: self.status = .online
        case .degraded: self.status = .degraded
        case .offline: self.status = .offline
        }
        self.lastHeartbeatTime = Google_Protobuf_Timestamp(date: health.lastHeartbeatAt)
        self.firmwareVersion = health.firmwareVersion ?? ""
        self.uptimeSeconds = Int64(health.uptimeSeconds ?? 0)
        self.signalDbm = Int32(health.signalDBm ?? 0)
        self.faultCode = health.faultCode ?? ""
    }
}

extension Harvestry_Spatial_V1_ValveZoneMapping {
    init(_ mapping: Domain.ValveZoneMapping) {
        self.init()
        self.valve = ResourcePattern.equipment.format(mapping.siteID, mapping.valveID)
        self.zone = ResourcePattern.zone.format(mapping.siteID, mapping.zoneID)
        self.createTime = Google_Protobuf_Timestamp(date: mapping.createdAt)
    }
}

/// The spatial resources' shared fields, filled from a `SpatialHeader`.
protocol SpatialHeaderMessage {
    var name: String { get set }
    var id: String { get set }
    var code: String { get set }
    var displayName: String { get set }
    var createTime: Google_Protobuf_Timestamp { get set }
    var updateTime: Google_Protobuf_Timestamp { get set }
}

extension SpatialHeaderMessage {
    mutating func setHeader(_ header: SpatialHeader, _ pattern: ResourcePattern) {
        self.name = pattern.format(header.siteID, header.id)
        self.id = header.id.lowercasedString
        self.code = header.code
        self.displayName = header.name
        self.createTime = Google_Protobuf_Timestamp(date: header.createdAt)
        self.updateTime = Google_Protobuf_Timestamp(date: header.updatedAt)
    }
}

extension Harvestry_Spatial_V1_Room: SpatialHeaderMessage {}
extension Harvestry_Spatial_V1_Zone: SpatialHeaderMessage {}
extension Harvestry_Spatial_V1_Rack: SpatialHeaderMessage {}
extension Harvestry_Spatial_V1_Bin: SpatialHeaderMessage {}
extension Harvestry_Spatial_V1_InventoryLocation: SpatialHeaderMessage {}
extension Harvestry_Spatial_V1_Equipment: SpatialHeaderMessage {}

/// `YYYY-MM-DD` dates (the seed contract's `calibrationDueDate`), as midnight UTC.
enum CalendarDate {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = Self.calendar.date(from: components),
            Self.calendar.component(.day, from: date) == day
        else { return nil }
        return date
    }

    static func format(_ date: Date) -> String {
        let parts = Self.calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
