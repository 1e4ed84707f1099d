import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Calibrations, device health and valve-to-zone mappings.
extension SpatialService {
    public func addCalibration(
        request: Harvestry_Spatial_V1_AddCalibrationRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_Calibration {
        var violations = FieldViolations()
        let input = request.calibration
        if !input.hasDate { violations.add("calibration.date", reason: "FIELD_REQUIRED", "is required") }
        let result: CalibrationResult? = violations.enumeration("calibration.result", input.result, required: true)
            .flatMap {
                switch $0 {
                case .pass: return .pass
                case .fail: return .fail
                case .adjusted: return .adjusted
                default: return nil
                }
            }
        let notes = violations.optional("calibration.notes", input.notes, maximum: 2000)
        let audit = violations.audit(requestID: request.requestID)
        let (scope, parent) = try self.scoped(
            "parent",
            request.parent,
            .equipment,
            editors: Self.equipmentEditors,
            method: "AddCalibration",
            violations: violations
        )
        let calibration = try await self.repository.addCalibration(
            NewCalibration(
                siteID: parent["site"],
                equipmentID: parent["equipment"],
                performedAt: input.date.date,
                result: result!,
                nextDueAt: input.hasNextDue ? input.nextDue.date : nil,
                notes: notes
            ),
            in: scope,
            audit: audit
        )
        return .init(calibration)
    }

    public func listCalibrations(
        request: Harvestry_Spatial_V1_ListCalibrationsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_ListCalibrationsResponse {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let scope: AccessScope
        let equipmentID: UUID
        if request.parent.isEmpty, !request.equipmentID.isEmpty {
            // The seed contract `GET /equipment/{id}/calibrations`: the equipment's site is whatever the scope
            // lets the caller see; another site's equipment is NOT_FOUND.
            scope = try Caller.scope()
            let id = violations.uuid("equipment_id", request.equipmentID)
            try violations.check()
            equipmentID = try await self.repository.equipment(id!, in: scope).id
        } else {
            let (callerScope, parent) = try self.scoped("parent", request.parent, .equipment, violations: violations)
            scope = callerScope
            equipmentID = parent["equipment"]
        }
        let calibrations = try await self.repository.listCalibrations(equipmentID: equipmentID, in: scope, page: page)
        return .with {
            $0.calibrations = calibrations.items.map(Harvestry_Spatial_V1_Calibration.init)
            $0.nextPageToken = calibrations.nextToken ?? ""
        }
    }

    public func recordHeartbeat(
        request: Harvestry_Spatial_V1_RecordHeartbeatRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_DeviceHealth {
        var violations = FieldViolations()
        let status: HealthStatus? =
            request.status == .unspecified
            ? .online
            : violations.enumeration("status", request.status, required: true).flatMap {
                switch $0 {
                case .online: return .online
                case .degraded: return .degraded
                case .offline: return .offline
                default: return nil
                }
            }
        let firmware = violations.optional("firmware_version", request.firmwareVersion, maximum: 64)
        let fault = violations.optional("fault_code", request.faultCode, maximum: 40)
        if let fault,
            fault.count < 2
                || !fault.unicodeScalars.allSatisfy({
                    ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                })
        {
            violations.add("fault_code", reason: "INVALID_FAULT_CODE", "must be an UPPER_SNAKE_CASE fault reason code")
        }
        if request.uptimeSeconds < 0 {
            violations.add("uptime_seconds", reason: "OUT_OF_RANGE", "must not be negative")
        }
        if !(-150...50).contains(request.signalDbm) {
            violations.add("signal_dbm", reason: "OUT_OF_RANGE", "must be between -150 and 50")
        }
        let audit = violations.audit(requestID: request.requestID)
        let (scope, equipment) = try self.scoped(
            "equipment",
            request.equipment,
            .equipment,
            editors: Self.equipmentEditors,
            method: "RecordHeartbeat",
            violations: violations
        )
        let health = try await self.repository.recordHeartbeat(
            Heartbeat(
                siteID: equipment["site"],
                equipmentID: equipment["equipment"],
                status: status!,
                at: Date(),
                firmwareVersion: firmware,
                uptimeSeconds: request.uptimeSeconds == 0 ? nil : Int(request.uptimeSeconds),
                signalDBm: request.signalDbm == 0 ? nil : Int(request.signalDbm),
                faultCode: fault
            ),
            in: scope,
            audit: audit
        )
        return .init(health)
    }

    public func getDeviceHealth(
        request: Harvestry_Spatial_V1_GetDeviceHealthRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_DeviceHealth {
        let (scope, name) = try self.scoped("name", request.name, .deviceHealth)
        guard let health = try await self.repository.deviceHealth(equipmentID: name["equipment"], in: scope) else {
            throw ServiceError.notFound(request.name)
        }
        return .init(health)
    }

    public func mapValveToZone(
        request: Harvestry_Spatial_V1_MapValveToZoneRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_ValveZoneMapping {
        let (scope, valve, zone, audit) = try self.valveAndZone(
            request.valve,
            request.zone,
            requestID: request.requestID,
            method: "MapValveToZone"
        )
        return .init(try await self.repository.mapValve(valve, toZone: zone, in: scope, audit: audit))
    }

    public func unmapValveFromZone(
        request: Harvestry_Spatial_V1_UnmapValveFromZoneRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        let (scope, valve, zone, audit) = try self.valveAndZone(
            request.valve,
            request.zone,
            requestID: request.requestID,
            method: "UnmapValveFromZone"
        )
        try await self.repository.unmapValve(valve, fromZone: zone, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    public func listValveZoneMappings(
        request: Harvestry_Spatial_V1_ListValveZoneMappingsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_ListValveZoneMappingsResponse {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let zone = Self.reference("zone", request.zone, .zone, site: site, violations: &violations, required: false)
        let valve = Self.reference(
            "valve",
            request.valve,
            .equipment,
            site: site,
            violations: &violations,
            required: false
        )
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let mappings = try await self.repository.listValveZoneMappings(
            siteID: parent["site"],
            valveID: valve,
            zoneID: zone,
            in: scope,
            page: page
        )
        return .with {
            $0.mappings = mappings.items.map(Harvestry_Spatial_V1_ValveZoneMapping.init)
            $0.nextPageToken = mappings.nextToken ?? ""
        }
    }

    private func valveAndZone(
        _ valve: String,
        _ zone: String,
        requestID: String,
        method: String
    ) throws -> (AccessScope, UUID, UUID, AuditContext) {
        var violations = FieldViolations()
        let site = ResourcePattern.equipment.parse(valve)?.site
        let zoneID = Self.reference("zone", zone, .zone, site: site, violations: &violations)
        let audit = violations.audit(requestID: requestID)
        let (scope, valveName) = try self.scoped(
            "valve",
            valve,
            .equipment,
            editors: Self.equipmentEditors,
            method: method,
            violations: violations
        )
        return (scope, valveName["equipment"], zoneID!, audit)
    }
}
