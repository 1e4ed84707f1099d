import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Rooms, zones, racks and bins.
extension SpatialService {
    public func getRoom(
        request: Harvestry_Spatial_V1_GetRoomRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Room
    {
        let (scope, name) = try self.scoped("name", request.name, .room)
        return .init(try await self.repository.room(name["room"], in: scope))
    }

    public func listRooms(
        request: Harvestry_Spatial_V1_ListRoomsRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_ListRoomsResponse
    {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let rooms = try await self.repository.listRooms(siteID: parent["site"], in: scope, page: page)
        return .with {
            $0.rooms = rooms.items.map(Harvestry_Spatial_V1_Room.init)
            $0.nextPageToken = rooms.nextToken ?? ""
        }
    }

    public func createRoom(
        request: Harvestry_Spatial_V1_CreateRoomRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Room
    {
        var violations = FieldViolations()
        let room = request.room
        violations.code("room.code", room.code)
        let displayName = Self.displayName(room.displayName, orName: room.name, field: "room.display_name")
        violations.required("room.display_name", displayName)
        let type = violations.choice("room.room_type", room.roomType, as: RoomType.self)
        let audit = violations.audit(requestID: request.requestID)
        let (scope, parent) = try self.scoped(
            "parent",
            request.parent,
            .site,
            editors: Self.layoutEditors,
            method: "CreateRoom",
            violations: violations
        )
        let created = try await self.repository.createRoom(
            NewRoom(siteID: parent["site"], code: room.code, name: displayName, roomType: type!),
            in: scope,
            audit: audit
        )
        return .init(created)
    }

    public func updateRoom(
        request: Harvestry_Spatial_V1_UpdateRoomRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Room
    {
        var violations = FieldViolations()
        let paths = Self.paths(request.updateMask, allowed: ["display_name", "room_type"], violations: &violations)
        var update = RoomUpdate()
        if paths.contains("display_name") {
            update.name = violations.required("room.display_name", request.room.displayName)
        }
        if paths.contains("room_type") {
            update.roomType = violations.choice("room.room_type", request.room.roomType, as: RoomType.self)
        }
        let audit = violations.audit(requestID: request.requestID)
        let (scope, name) = try self.scoped(
            "room.name",
            request.room.name,
            .room,
            editors: Self.layoutEditors,
            method: "UpdateRoom",
            violations: violations
        )
        return .init(try await self.repository.updateRoom(name["room"], update, in: scope, audit: audit))
    }

    public func deleteRoom(
        request: Harvestry_Spatial_V1_DeleteRoomRequest,
        context: ServerContext
    ) async throws
        -> Google_Protobuf_Empty
    {
        var violations = FieldViolations()
        let audit = violations.audit(requestID: request.requestID)
        let (scope, name) = try self.scoped(
            "name",
            request.name,
            .room,
            editors: Self.layoutEditors,
            method: "DeleteRoom",
            violations: violations
        )
        try await self.repository.deleteRoom(name["room"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    // MARK: Zones

    public func getZone(
        request: Harvestry_Spatial_V1_GetZoneRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Zone
    {
        let (scope, name) = try self.scoped("name", request.name, .zone)
        return .init(try await self.repository.zone(name["zone"], in: scope))
    }

    public func listZones(
        request: Harvestry_Spatial_V1_ListZonesRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_ListZonesResponse
    {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let room = Self.reference("room", request.room, .room, site: site, violations: &violations, required: false)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let zones = try await self.repository.listZones(siteID: parent["site"], roomID: room, in: scope, page: page)
        return .with {
            $0.zones = zones.items.map(Harvestry_Spatial_V1_Zone.init)
            $0.nextPageToken = zones.nextToken ?? ""
        }
    }

    public func createZone(
        request: Harvestry_Spatial_V1_CreateZoneRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Zone
    {
        let (scope, child, audit) = try self.newChild(
            request.parent,
            code: request.zone.code,
            displayName: request.zone.displayName,
            parentField: ("zone.room", request.zone.room, .room),
            resource: "zone",
            requestID: request.requestID
        )
        return .init(try await self.repository.createZone(child, in: scope, audit: audit))
    }

    public func updateZone(
        request: Harvestry_Spatial_V1_UpdateZoneRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Zone
    {
        let (scope, name, newName, audit) = try self.rename(
            "zone",
            request.zone.name,
            .zone,
            request.zone.displayName,
            request.updateMask,
            requestID: request.requestID
        )
        return .init(try await self.repository.renameZone(name["zone"], name: newName, in: scope, audit: audit))
    }

    public func deleteZone(
        request: Harvestry_Spatial_V1_DeleteZoneRequest,
        context: ServerContext
    ) async throws
        -> Google_Protobuf_Empty
    {
        let (scope, name, audit) = try self.deletion(request.name, .zone, requestID: request.requestID)
        try await self.repository.deleteZone(name["zone"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    // MARK: Racks

    public func getRack(
        request: Harvestry_Spatial_V1_GetRackRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Rack
    {
        let (scope, name) = try self.scoped("name", request.name, .rack)
        return .init(try await self.repository.rack(name["rack"], in: scope))
    }

    public func listRacks(
        request: Harvestry_Spatial_V1_ListRacksRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_ListRacksResponse
    {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let zone = Self.reference("zone", request.zone, .zone, site: site, violations: &violations, required: false)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let racks = try await self.repository.listRacks(siteID: parent["site"], zoneID: zone, in: scope, page: page)
        return .with {
            $0.racks = racks.items.map(Harvestry_Spatial_V1_Rack.init)
            $0.nextPageToken = racks.nextToken ?? ""
        }
    }

    public func createRack(
        request: Harvestry_Spatial_V1_CreateRackRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Rack
    {
        let (scope, child, audit) = try self.newChild(
            request.parent,
            code: request.rack.code,
            displayName: request.rack.displayName,
            parentField: ("rack.zone", request.rack.zone, .zone),
            resource: "rack",
            requestID: request.requestID
        )
        return .init(try await self.repository.createRack(child, in: scope, audit: audit))
    }

    public func updateRack(
        request: Harvestry_Spatial_V1_UpdateRackRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Rack
    {
        let (scope, name, newName, audit) = try self.rename(
            "rack",
            request.rack.name,
            .rack,
            request.rack.displayName,
            request.updateMask,
            requestID: request.requestID
        )
        return .init(try await self.repository.renameRack(name["rack"], name: newName, in: scope, audit: audit))
    }

    public func deleteRack(
        request: Harvestry_Spatial_V1_DeleteRackRequest,
        context: ServerContext
    ) async throws
        -> Google_Protobuf_Empty
    {
        let (scope, name, audit) = try self.deletion(request.name, .rack, requestID: request.requestID)
        try await self.repository.deleteRack(name["rack"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    // MARK: Bins

    public func getBin(
        request: Harvestry_Spatial_V1_GetBinRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Bin
    {
        let (scope, name) = try self.scoped("name", request.name, .bin)
        return .init(try await self.repository.bin(name["bin"], in: scope))
    }

    public func listBins(
        request: Harvestry_Spatial_V1_ListBinsRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_ListBinsResponse
    {
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let site = ResourcePattern.site.parse(request.parent)?.site
        let rack = Self.reference("rack", request.rack, .rack, site: site, violations: &violations, required: false)
        let (scope, parent) = try self.scoped("parent", request.parent, .site, violations: violations)
        let bins = try await self.repository.listBins(siteID: parent["site"], rackID: rack, in: scope, page: page)
        return .with {
            $0.bins = bins.items.map(Harvestry_Spatial_V1_Bin.init)
            $0.nextPageToken = bins.nextToken ?? ""
        }
    }

    public func createBin(
        request: Harvestry_Spatial_V1_CreateBinRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Bin
    {
        let (scope, child, audit) = try self.newChild(
            request.parent,
            code: request.bin.code,
            displayName: request.bin.displayName,
            parentField: ("bin.rack", request.bin.rack, .rack),
            resource: "bin",
            requestID: request.requestID
        )
        return .init(try await self.repository.createBin(child, in: scope, audit: audit))
    }

    public func updateBin(
        request: Harvestry_Spatial_V1_UpdateBinRequest,
        context: ServerContext
    ) async throws
        -> Harvestry_Spatial_V1_Bin
    {
        let (scope, name, newName, audit) = try self.rename(
            "bin",
            request.bin.name,
            .bin,
            request.bin.displayName,
            request.updateMask,
            requestID: request.requestID
        )
        return .init(try await self.repository.renameBin(name["bin"], name: newName, in: scope, audit: audit))
    }

    public func deleteBin(
        request: Harvestry_Spatial_V1_DeleteBinRequest,
        context: ServerContext
    ) async throws
        -> Google_Protobuf_Empty
    {
        let (scope, name, audit) = try self.deletion(request.name, .bin, requestID: request.requestID)
        try await self.repository.deleteBin(name["bin"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }
}
