import Domain
import Foundation

/// `SpatialRepository` on Postgres. Give it a client that connects as `harvestry_service`, so row-level security
/// backs every query's own filters.
public struct PostgresSpatialRepository: SpatialRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    public func listSites(in scope: AccessScope) async throws -> [Site] {
        try await mappingErrors(resource: "site", table: "sites") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.query("SELECT id, organization_id, name, time_zone FROM sites ORDER BY name")
                    .map { row in
                        Site(
                            id: try row.decode("id"),
                            organizationID: try row.decode("organization_id"),
                            name: try row.decode("name"),
                            timeZone: try row.decode("time_zone")
                        )
                    }
            }
        }
    }

    // Rooms

    public func createRoom(_ room: NewRoom, in scope: AccessScope, audit: AuditContext) async throws -> Room {
        try room.validate()
        return try await self.insert(
            SpatialTables.rooms,
            siteID: room.siteID,
            sql: """
                INSERT INTO rooms (id, site_id, code, name, room_type)
                VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5)
                """,
            [
                SQLValue(room.id), SQLValue(room.siteID), SQLValue(room.code), SQLValue(room.name),
                SQLValue(room.roomType.rawValue),
            ],
            details: ["room_type": room.roomType.rawValue],
            in: scope,
            audit: audit
        )
    }

    public func room(_ id: UUID, in scope: AccessScope) async throws -> Room {
        try await self.fetch(SpatialTables.rooms, id, in: scope)
    }

    public func updateRoom(
        _ id: UUID,
        _ update: RoomUpdate,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> Room
    {
        try Validate.text(update.name, field: "room.name")
        var details: [String: String] = [:]
        if let name = update.name { details["name"] = name }
        if let type = update.roomType { details["room_type"] = type.rawValue }
        return try await self.update(
            SpatialTables.rooms,
            id,
            assignments: "name = coalesce($2, name), room_type = coalesce($3, room_type)",
            [SQLValue(update.name), SQLValue(update.roomType?.rawValue)],
            details: details,
            in: scope,
            audit: audit
        )
    }

    public func deleteRoom(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.rooms, id, in: scope, audit: audit)
    }

    public func listRooms(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<Room> {
        try await self.list(SpatialTables.rooms, siteID: siteID, in: scope, page: page)
    }

    // Zones, racks, bins: a child of the level above, in the same site.

    public func createZone(_ zone: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Zone {
        try await self.insertChild(SpatialTables.zones, zone, in: scope, audit: audit)
    }

    public func zone(_ id: UUID, in scope: AccessScope) async throws -> Zone {
        try await self.fetch(SpatialTables.zones, id, in: scope)
    }

    public func renameZone(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Zone {
        try await self.rename(SpatialTables.zones, id, name: name, in: scope, audit: audit)
    }

    public func deleteZone(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.zones, id, in: scope, audit: audit)
    }

    public func listZones(
        siteID: UUID,
        roomID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<Zone>
    {
        try await self.list(SpatialTables.zones, siteID: siteID, parentID: roomID, in: scope, page: page)
    }

    public func createRack(_ rack: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Rack {
        try await self.insertChild(SpatialTables.racks, rack, in: scope, audit: audit)
    }

    public func rack(_ id: UUID, in scope: AccessScope) async throws -> Rack {
        try await self.fetch(SpatialTables.racks, id, in: scope)
    }

    public func renameRack(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Rack {
        try await self.rename(SpatialTables.racks, id, name: name, in: scope, audit: audit)
    }

    public func deleteRack(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.racks, id, in: scope, audit: audit)
    }

    public func listRacks(
        siteID: UUID,
        zoneID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<Rack>
    {
        try await self.list(SpatialTables.racks, siteID: siteID, parentID: zoneID, in: scope, page: page)
    }

    public func createBin(_ bin: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Bin {
        try await self.insertChild(SpatialTables.bins, bin, in: scope, audit: audit)
    }

    public func bin(_ id: UUID, in scope: AccessScope) async throws -> Bin {
        try await self.fetch(SpatialTables.bins, id, in: scope)
    }

    public func renameBin(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Bin {
        try await self.rename(SpatialTables.bins, id, name: name, in: scope, audit: audit)
    }

    public func deleteBin(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.bins, id, in: scope, audit: audit)
    }

    public func listBins(
        siteID: UUID,
        rackID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<Bin>
    {
        try await self.list(SpatialTables.bins, siteID: siteID, parentID: rackID, in: scope, page: page)
    }

    /// Inserts a zone, rack or bin under its parent; the composite foreign key keeps the parent in the same site.
    private func insertChild<R>(
        _ table: SpatialTable<R>,
        _ child: NewSpatialChild,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> R {
        try child.validate(resource: table.resource)
        let parent = table.parentColumn!
        return try await self.insert(
            table,
            siteID: child.siteID,
            sql: """
                INSERT INTO \(table.table) (id, site_id, \(parent), code, name)
                VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3::uuid, $4, $5)
                """,
            [
                SQLValue(child.id), SQLValue(child.siteID), SQLValue(child.parentID), SQLValue(child.code),
                SQLValue(child.name),
            ],
            details: [parent: child.parentID.uuidString.lowercased()],
            in: scope,
            audit: audit
        )
    }

    // Inventory locations

    public func createInventoryLocation(
        _ location: NewInventoryLocation,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InventoryLocation {
        try location.validate()
        var anchors: [UUID?] = [nil, nil, nil, nil]
        switch location.anchor {
        case .room(let id): anchors[0] = id
        case .zone(let id): anchors[1] = id
        case .rack(let id): anchors[2] = id
        case .bin(let id): anchors[3] = id
        case nil: break
        }
        return try await self.insert(
            SpatialTables.inventoryLocations,
            siteID: location.siteID,
            sql: """
                INSERT INTO inventory_locations (id, site_id, code, name, location_type, room_id, zone_id, rack_id,
                    bin_id)
                VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5, $6::uuid, $7::uuid, $8::uuid,
                    $9::uuid)
                """,
            [
                SQLValue(location.id), SQLValue(location.siteID), SQLValue(location.code), SQLValue(location.name),
                SQLValue(location.locationType.rawValue),
            ] + anchors.map { SQLValue($0) },
            details: ["location_type": location.locationType.rawValue],
            in: scope,
            audit: audit
        )
    }

    public func inventoryLocation(_ id: UUID, in scope: AccessScope) async throws -> InventoryLocation {
        try await self.fetch(SpatialTables.inventoryLocations, id, in: scope)
    }

    public func renameInventoryLocation(
        _ id: UUID,
        name: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InventoryLocation {
        try await self.rename(SpatialTables.inventoryLocations, id, name: name, in: scope, audit: audit)
    }

    public func deleteInventoryLocation(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.delete(SpatialTables.inventoryLocations, id, in: scope, audit: audit)
    }

    public func listInventoryLocations(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<InventoryLocation> {
        try await self.list(SpatialTables.inventoryLocations, siteID: siteID, in: scope, page: page)
    }
}
