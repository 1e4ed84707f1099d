import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// The equipment registry.
extension SpatialService {
    public func getEquipment(
        request: Harvestry_Spatial_V1_GetEquipmentRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Equipment
    {
        let (scope, name) = try self.scoped("name", request.name, .equipment)
        return .init(try await self.repository.equipment(name["equipment"], in: scope))
    }

    public func listEquipment(
        request: Harvestry_Spatial_V1_ListEquipmentRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_ListEquipmentResponse
    {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let kind = violations.enumeration("kind", request.kind, required: false).flatMap(Self.kind)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let zone = Self.reference("zone", request.zone, .zone, site: site, violations: &violations, required: false)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let equipment = try await self.repository.listEquipment(
            siteID: parent["site"],
            kind: kind,
            zoneID: zone,
            in: scope,
            page: page
        )
        return .with {
            $0.equipment = equipment.items.map(Harvestry_Spatial_V1_Equipment.init)
            $0.nextPageToken = equipment.nextToken ?? ""
        }
    }

    public func createEquipment(
        request: Harvestry_Spatial_V1_CreateEquipmentRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_Equipment {
        let scope = try Caller.scope(requiringAnyOf: Self.equipmentEditors, method: "CreateEquipment")
        var violations = FieldViolations()
        let input = request.equipment
        // The seed contract `POST /equipment` gives no parent: the zone (by id) says where it is.
        let zoneID = violations.uuid("equipment.zone_id", input.zoneID, required: false)
        var parentName = request.parent
        if parentName.isEmpty, let zoneID {
            let zone = try await self.repository.zone(zoneID, in: scope)
            parentName = ResourcePattern.site.format(zone.header.siteID)
        }
        let site = ResourcePattern.site.parse(parentName)?.site
        violations.code("equipment.code", input.code)
        let displayName = input.displayName.isEmpty ? input.type : input.displayName
        violations.required("equipment.display_name", displayName)
        violations.optional("equipment.type", input.type)
        let kind = Self.kind(of: input, violations: &violations)
        let loadClass = Self.loadClass(input.loadClass, kind: kind, violations: &violations)
        let model = violations.optional("equipment.model", input.model, maximum: 100)
        let serial = violations.optional("equipment.serial_number", input.serialNumber, maximum: 100)
        let room = Self.reference(
            "equipment.room",
            input.room,
            .room,
            site: site,
            violations: &violations,
            required: false
        )
        var zone = Self.reference(
            "equipment.zone",
            input.zone,
            .zone,
            site: site,
            violations: &violations,
            required: false
        )
        if zone == nil { zone = zoneID }
        let due = Self.date("equipment.calibration_due_date", input.calibrationDueDate, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        let (_, parent) = try self.scoped("parent", parentName, .site, violations: violations)
        let created = try await self.repository.createEquipment(
            NewEquipment(
                siteID: parent["site"],
                code: input.code,
                name: displayName,
                kind: kind!,
                valveLoadClass: loadClass,
                model: model,
                serialNumber: serial,
                roomID: room,
                zoneID: zone,
                calibrationDueAt: due
            ),
            in: scope,
            audit: audit
        )
        return .init(created)
    }

    public func updateEquipment(
        request: Harvestry_Spatial_V1_UpdateEquipmentRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_Equipment {
        var violations = FieldViolations()
        let input = request.equipment
        let allowed: Set<String> = [
            "display_name", "model", "serial_number", "room", "zone", "status", "calibration_due_date", "load_class",
        ]
        let paths = Self.paths(request.updateMask, allowed: allowed, violations: &violations)
        let site = ResourcePattern.equipment.parse(input.name)?.site
        var update = EquipmentUpdate()
        if paths.contains("display_name") {
            update.name = violations.required("equipment.display_name", input.displayName)
        }
        if paths.contains("model") { update.model = violations.optional("equipment.model", input.model, maximum: 100) }
        if paths.contains("serial_number") {
            update.serialNumber = violations.optional("equipment.serial_number", input.serialNumber, maximum: 100)
        }
        if paths.contains("room") {
            update.roomID = Self.reference("equipment.room", input.room, .room, site: site, violations: &violations)
        }
        if paths.contains("zone") {
            update.zoneID = Self.reference("equipment.zone", input.zone, .zone, site: site, violations: &violations)
        }
        if paths.contains("status") {
            update.status = violations.enumeration("equipment.status", input.status, required: true).flatMap {
                switch $0 {
                case .active: return .active
                case .maintenance: return .maintenance
                case .retired: return .retired
                default: return nil
                }
            }
        }
        if paths.contains("calibration_due_date") {
            update.calibrationDueAt = Self.date(
                "equipment.calibration_due_date",
                input.calibrationDueDate,
                violations: &violations,
                required: true
            )
        }
        if paths.contains("load_class") {
            update.valveLoadClass = Self.loadClass(input.loadClass, kind: .valve, violations: &violations)
        }
        let audit = violations.audit(requestID: request.requestID)
        let (scope, name) = try self.scoped(
            "equipment.name",
            input.name,
            .equipment,
            editors: Self.equipmentEditors,
            method: "UpdateEquipment",
            violations: violations
        )
        return .init(try await self.repository.updateEquipment(name["equipment"], update, in: scope, audit: audit))
    }

    public func deleteEquipment(
        request: Harvestry_Spatial_V1_DeleteEquipmentRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        let (scope, name, audit) = try self.deletion(
            request.name,
            .equipment,
            requestID: request.requestID,
            editors: Self.equipmentEditors
        )
        try await self.repository.deleteEquipment(name["equipment"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    // MARK: Field conversions

    static func kind(_ kind: Harvestry_Spatial_V1_Equipment.Kind) -> EquipmentKind? {
        switch kind {
        case .sensor: return .sensor
        case .valve: return .valve
        case .pump: return .pump
        case .controller: return .controller
        case .inverter: return .inverter
        default: return nil
        }
    }

    /// The kind: `kind`, or the first kind word in the seed contract's free-text `type`.
    static func kind(of input: Harvestry_Spatial_V1_Equipment, violations: inout FieldViolations) -> EquipmentKind? {
        if input.kind != .unspecified {
            return violations.enumeration("equipment.kind", input.kind, required: true).flatMap(Self.kind)
        }
        let words = input.type.lowercased()
        if let kind = EquipmentKind.allCases.first(where: { words.contains($0.rawValue) }) { return kind }
        violations.add(
            "equipment.kind",
            reason: "FIELD_REQUIRED",
            "is required unless equipment.type names one of sensor, valve, pump, controller, inverter"
        )
        return nil
    }

    static func loadClass(
        _ value: Harvestry_Spatial_V1_Equipment.LoadClass,
        kind: EquipmentKind?,
        violations: inout FieldViolations
    ) -> ValveLoadClass? {
        let field = "equipment.load_class"
        switch (value, kind) {
        case (.highLoad, .valve): return .highLoad
        case (.standard, .valve): return .standard
        case (.unspecified, .valve):
            violations.add(field, reason: "FIELD_REQUIRED", "is required for a valve (HIGH_LOAD or STANDARD)")
        case (.unspecified, _): break
        case (.highLoad, _), (.standard, _): violations.add(field, reason: "NOT_APPLICABLE", "applies to valves only")
        default: violations.add(field, reason: "UNKNOWN_ENUM_VALUE", "\(value.rawValue) is not a known value")
        }
        return nil
    }

    static func date(
        _ field: String,
        _ value: String,
        violations: inout FieldViolations,
        required: Bool = false
    ) -> Date? {
        guard !value.isEmpty else {
            if required { violations.add(field, reason: "FIELD_REQUIRED", "is required (YYYY-MM-DD)") }
            return nil
        }
        guard let date = CalendarDate.parse(value) else {
            violations.add(field, reason: "INVALID_DATE", "'\(value.prefix(40))' is not a date YYYY-MM-DD")
            return nil
        }
        return date
    }
}
