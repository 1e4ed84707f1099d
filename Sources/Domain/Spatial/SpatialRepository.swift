import Foundation

/// The spatial model (site -> rooms -> zones -> racks -> bins), inventory locations and the equipment registry with
/// calibrations, device health and valve -> zone mappings. Every call runs under the caller's `AccessScope`: records
/// of other sites are `notFound` on reads and `permissionDenied` (`SITE_OUT_OF_SCOPE`) on writes. Every mutation
/// writes its audit row (chained per site) in the same transaction. Deleting a record that still has children is
/// `failedPrecondition`.
public protocol SpatialRepository: Sendable {
    /// The sites in scope.
    func listSites(in scope: AccessScope) async throws -> [Site]

    func createRoom(_ room: NewRoom, in scope: AccessScope, audit: AuditContext) async throws -> Room
    func room(_ id: UUID, in scope: AccessScope) async throws -> Room
    func updateRoom(_ id: UUID, _ update: RoomUpdate, in scope: AccessScope, audit: AuditContext) async throws -> Room
    func deleteRoom(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    func listRooms(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<Room>

    /// `zone.parentID` is the room.
    func createZone(_ zone: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Zone
    func zone(_ id: UUID, in scope: AccessScope) async throws -> Zone
    func renameZone(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Zone
    func deleteZone(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    /// Zones of the site, or of one room.
    func listZones(siteID: UUID, roomID: UUID?, in scope: AccessScope, page: PageRequest) async throws -> Page<Zone>

    /// `rack.parentID` is the zone.
    func createRack(_ rack: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Rack
    func rack(_ id: UUID, in scope: AccessScope) async throws -> Rack
    func renameRack(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Rack
    func deleteRack(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    func listRacks(siteID: UUID, zoneID: UUID?, in scope: AccessScope, page: PageRequest) async throws -> Page<Rack>

    /// `bin.parentID` is the rack.
    func createBin(_ bin: NewSpatialChild, in scope: AccessScope, audit: AuditContext) async throws -> Bin
    func bin(_ id: UUID, in scope: AccessScope) async throws -> Bin
    func renameBin(_ id: UUID, name: String, in scope: AccessScope, audit: AuditContext) async throws -> Bin
    func deleteBin(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    func listBins(siteID: UUID, rackID: UUID?, in scope: AccessScope, page: PageRequest) async throws -> Page<Bin>

    func createInventoryLocation(
        _ location: NewInventoryLocation,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InventoryLocation
    func inventoryLocation(_ id: UUID, in scope: AccessScope) async throws -> InventoryLocation
    func renameInventoryLocation(
        _ id: UUID,
        name: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InventoryLocation
    func deleteInventoryLocation(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    func listInventoryLocations(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<InventoryLocation>

    func createEquipment(
        _ equipment: NewEquipment,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> Equipment
    func equipment(_ id: UUID, in scope: AccessScope) async throws -> Equipment
    func updateEquipment(
        _ id: UUID,
        _ update: EquipmentUpdate,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> Equipment
    func deleteEquipment(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    /// The site's equipment by code, optionally only of one kind and only installed in one zone.
    func listEquipment(
        siteID: UUID,
        kind: EquipmentKind?,
        zoneID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Equipment>

    /// The site's rooms -> zones -> racks -> bins with equipment attached where it is placed.
    func tree(siteID: UUID, in scope: AccessScope) async throws -> SpatialTree

    /// Logs a calibration; when it carries `nextDueAt` the equipment's `calibrationDueAt` moves to it.
    func addCalibration(
        _ calibration: NewCalibration,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> Calibration
    /// Calibrations of one piece of equipment, newest first (`GET /equipment/{id}/calibrations`).
    func listCalibrations(
        equipmentID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Calibration>

    /// The known fault reason codes, by code.
    func listFaultReasonCodes() async throws -> [FaultReasonCode]

    /// Records a heartbeat as the device's latest health; a `faultCode` must be a known reason code
    /// (`invalidArgument` on `heartbeat.fault_code` otherwise). Heartbeats are telemetry: only a change of status
    /// (e.g. online -> offline) writes an audit row.
    func recordHeartbeat(
        _ heartbeat: Heartbeat,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> DeviceHealth
    /// nil when the device never sent a heartbeat.
    func deviceHealth(equipmentID: UUID, in scope: AccessScope) async throws -> DeviceHealth?
    func listDeviceHealth(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<DeviceHealth>

    /// Maps a valve to a zone of the same site (idempotent); refuses equipment that is not a valve.
    func mapValve(
        _ valveID: UUID,
        toZone zoneID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> ValveZoneMapping
    func unmapValve(_ valveID: UUID, fromZone zoneID: UUID, in scope: AccessScope, audit: AuditContext) async throws
    /// Mappings of the site, optionally narrowed to one valve or one zone.
    func listValveZoneMappings(
        siteID: UUID,
        valveID: UUID?,
        zoneID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<ValveZoneMapping>
}

extension SpatialRepository {
    /// The site's equipment by code, optionally only of one kind.
    public func listEquipment(
        siteID: UUID,
        kind: EquipmentKind?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Equipment> {
        try await self.listEquipment(siteID: siteID, kind: kind, zoneID: nil, in: scope, page: page)
    }
}
