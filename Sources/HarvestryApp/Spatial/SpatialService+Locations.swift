import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Inventory locations and the site tree.
extension SpatialService {
    public func getInventoryLocation(
        request: Harvestry_Spatial_V1_GetInventoryLocationRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_InventoryLocation {
        let (scope, name) = try self.scoped("name", request.name, .location)
        return .init(try await self.repository.inventoryLocation(name["location"], in: scope))
    }

    public func listInventoryLocations(
        request: Harvestry_Spatial_V1_ListInventoryLocationsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_ListInventoryLocationsResponse {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let locations = try await self.repository.listInventoryLocations(siteID: parent["site"], in: scope, page: page)
        return .with {
            $0.inventoryLocations = locations.items.map(Harvestry_Spatial_V1_InventoryLocation.init)
            $0.nextPageToken = locations.nextToken ?? ""
        }
    }

    public func createInventoryLocation(
        request: Harvestry_Spatial_V1_CreateInventoryLocationRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_InventoryLocation {
        var violations = FieldViolations()
        let location = request.inventoryLocation
        violations.code("inventory_location.code", location.code)
        violations.required("inventory_location.display_name", location.displayName)
        let type = violations.choice("inventory_location.location_type", location.locationType, as: LocationType.self)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let anchor = Self.anchor(location.anchor, site: site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        let (scope, parent) = try self.scoped(
            "parent",
            request.parent,
            .site,
            editors: Self.layoutEditors,
            method: "CreateInventoryLocation",
            violations: violations
        )
        let created = try await self.repository.createInventoryLocation(
            NewInventoryLocation(
                siteID: parent["site"],
                code: location.code,
                name: location.displayName,
                locationType: type!,
                anchor: anchor
            ),
            in: scope,
            audit: audit
        )
        return .init(created)
    }

    public func updateInventoryLocation(
        request: Harvestry_Spatial_V1_UpdateInventoryLocationRequest,
        context: ServerContext
    ) async throws -> Harvestry_Spatial_V1_InventoryLocation {
        let (scope, name, newName, audit) = try self.rename(
            "inventory_location",
            request.inventoryLocation.name,
            .location,
            request.inventoryLocation.displayName,
            request.updateMask,
            requestID: request.requestID
        )
        return .init(
            try await self.repository.renameInventoryLocation(name["location"], name: newName, in: scope, audit: audit)
        )
    }

    public func deleteInventoryLocation(
        request: Harvestry_Spatial_V1_DeleteInventoryLocationRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        let (scope, name, audit) = try self.deletion(request.name, .location, requestID: request.requestID)
        try await self.repository.deleteInventoryLocation(name["location"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    /// An inventory location's anchor: a room, zone, rack or bin of the same site.
    static func anchor(_ value: String, site: UUID?, violations: inout FieldViolations) -> LocationAnchor? {
        guard !value.isEmpty else { return nil }
        let field = "inventory_location.anchor"
        let candidates: [(ResourcePattern, String, (UUID) -> LocationAnchor)] = [
            (.room, "room", LocationAnchor.room), (.zone, "zone", LocationAnchor.zone),
            (.rack, "rack", LocationAnchor.rack), (.bin, "bin", LocationAnchor.bin),
        ]
        for (pattern, variable, make) in candidates {
            guard let name = pattern.parse(value) else { continue }
            guard site == nil || name.site == site else {
                violations.add(field, reason: "CROSS_SITE_REFERENCE", "must name a resource of the location's site")
                return nil
            }
            return make(name[variable])
        }
        violations.add(field, reason: "MALFORMED_RESOURCE_NAME", "must name a room, zone, rack or bin of the site")
        return nil
    }

    public func getSiteTree(
        request: Harvestry_Spatial_V1_GetSiteTreeRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_SiteTree
    {
        let (scope, name) = try self.scoped("site", request.site, .site)
        let site = name["site"]
        let tree = try await self.repository.tree(siteID: site, in: scope)
        let mappings = try await self.repository.listValveZoneMappings(
            siteID: site,
            valveID: nil,
            zoneID: nil,
            in: scope,
            page: try PageRequest(size: PageRequest.maximumSize)
        )
        let locations = try await self.repository.listInventoryLocations(
            siteID: site,
            in: scope,
            page: try PageRequest(size: PageRequest.maximumSize)
        )
        let valvesByZone = Dictionary(grouping: mappings.items, by: \.zoneID)
        return .with { result in
            result.site = request.site
            result.rooms = tree.rooms.map { room in
                .with {
                    $0.room = .init(room.room)
                    $0.equipment = room.equipment.map(Harvestry_Spatial_V1_Equipment.init)
                    $0.zones = room.zones.map { zone in
                        .with {
                            $0.zone = .init(zone.zone)
                            $0.equipment = zone.equipment.map(Harvestry_Spatial_V1_Equipment.init)
                            $0.valves = (valvesByZone[zone.zone.id] ?? []).map {
                                ResourcePattern.equipment.format($0.siteID, $0.valveID)
                            }
                            $0.racks = zone.racks.map { rack in
                                .with {
                                    $0.rack = .init(rack.rack)
                                    $0.bins = rack.bins.map(Harvestry_Spatial_V1_Bin.init)
                                }
                            }
                        }
                    }
                }
            }
            result.locations = locations.items.map(Harvestry_Spatial_V1_InventoryLocation.init)
        }
    }
}
