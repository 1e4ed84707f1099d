import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Irrigation groups: zones given by name, each zone's valve taken from the site's valve-to-zone mappings.
extension IrrigationService {
    public func getIrrigationGroup(
        request: Harvestry_Irrigation_V1_GetIrrigationGroupRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_IrrigationGroup {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .irrigationGroup)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetIrrigationGroup")
        return .init(try await self.group(name!["irrigation_group"], site: name!.site!, in: scope))
    }

    public func listIrrigationGroups(
        request: Harvestry_Irrigation_V1_ListIrrigationGroupsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListIrrigationGroupsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListIrrigationGroups")
        let groups = try await self.repository.listGroups(siteID: site!, in: scope, page: page)
        return .with {
            $0.irrigationGroups = groups.items.map(Harvestry_Irrigation_V1_IrrigationGroup.init)
            $0.nextPageToken = groups.nextToken ?? ""
        }
    }

    public func createIrrigationGroup(
        request: Harvestry_Irrigation_V1_CreateIrrigationGroupRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_IrrigationGroup {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createGroup(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.site,
            roles: Self.definers,
            method: "CreateIrrigationGroup"
        )
        let create = checked!
        let valves = try await self.valves(create.group.zoneIDs, site: create.site, in: scope)
        let group = IrrigationGroup(
            siteID: create.site,
            name: create.group.displayName,
            valves: valves,
            mixTankID: create.group.mixTankID
        )
        return .init(try await self.repository.createGroup(group, in: scope, audit: create.audit))
    }

    public func updateIrrigationGroup(
        request: Harvestry_Irrigation_V1_UpdateIrrigationGroupRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_IrrigationGroup {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateGroup(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateIrrigationGroup"
        )
        let update = checked!
        let site = update.name.site!
        var group = try await self.group(update.name["irrigation_group"], site: site, in: scope)
        if let displayName = update.fields.displayName { group.name = displayName }
        if let zones = update.fields.zones { group.valves = try await self.valves(zones, site: site, in: scope) }
        if let tank = update.fields.mixTank { group.mixTankID = tank }
        return .init(try await self.repository.updateGroup(group, in: scope, audit: update.audit))
    }

    public func deleteIrrigationGroup(
        request: Harvestry_Irrigation_V1_DeleteIrrigationGroupRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .irrigationGroup)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(
            violations,
            site: name?.site,
            roles: Self.definers,
            method: "DeleteIrrigationGroup"
        )
        let id = name!["irrigation_group"]
        _ = try await self.group(id, site: name!.site!, in: scope)
        try await self.repository.deleteGroup(id, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    /// The stored group, if it is in `site` (a name whose site is another of the caller's is NOT_FOUND).
    func group(_ id: UUID, site: UUID, in scope: AccessScope) async throws -> IrrigationGroup {
        let group = try await self.repository.group(id, in: scope)
        guard group.siteID == site else { throw DomainError.notFound("group", id: id.lowercasedString) }
        return group
    }

    /// Each zone's valve from the site's valve-to-zone mappings, with its load class. A zone with no valve, or with
    /// several, is INVALID_ARGUMENT naming `irrigation_group.zones[i]`.
    func valves(_ zones: [UUID], site: UUID, in scope: AccessScope) async throws -> [ZoneValve] {
        var violations = FieldViolations()
        var valves: [ZoneValve] = []
        for (index, zone) in zones.enumerated() {
            let field = "irrigation_group.zones[\(index)]"
            let mappings = try await self.spatial.listValveZoneMappings(
                siteID: site,
                valveID: nil,
                zoneID: zone,
                in: scope,
                page: try PageRequest(size: 2)
            )
            guard mappings.items.count == 1, let mapping = mappings.items.first else {
                violations.add(
                    field,
                    reason: mappings.items.isEmpty ? "ZONE_HAS_NO_VALVE" : "ZONE_HAS_SEVERAL_VALVES",
                    mappings.items.isEmpty
                        ? "no valve is mapped to this zone (map one with SpatialService.MapValveToZone)"
                        : "several valves are mapped to this zone; a group waters each zone through one valve"
                )
                continue
            }
            let valve = try await self.spatial.equipment(mapping.valveID, in: scope)
            valves.append(
                ZoneValve(
                    zoneID: zone,
                    deviceID: mapping.valveID,
                    loadClass: valve.valveLoadClass == .highLoad ? .heavyLoad : .standard
                )
            )
        }
        try violations.check()
        return valves
    }
}
