import Domain
import Foundation
import Store

/// One site's worth of records, built through the repositories, for the RLS fuzz.
struct SiteFixture: Sendable {
    let organizationID: UUID
    let siteID: UUID
    /// The tenant admin narrowed to this site.
    let scope: AccessScope
    let roomID: UUID
    let zoneID: UUID
    let rackID: UUID
    let binID: UUID
    let locationID: UUID
    let sensorID: UUID
    let valveID: UUID
    let userID: UUID
    let badgeCode: String
    let sessionID: UUID

    static func make(_ db: MigratedDatabase, tenant: TestTenant, site: UUID) async throws -> SiteFixture {
        let scope = tenant.scope
        let spatial = db.spatial
        let identity = db.identity
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let room = try await spatial.createRoom(
            NewRoom(siteID: site, code: "R-\(tag)", name: "Room", roomType: .flower),
            in: scope,
            audit: .none
        )
        let zone = try await spatial.createZone(
            NewSpatialChild(siteID: site, parentID: room.id, code: "Z-\(tag)", name: "Zone"),
            in: scope,
            audit: .none
        )
        let rack = try await spatial.createRack(
            NewSpatialChild(siteID: site, parentID: zone.id, code: "K-\(tag)", name: "Rack"),
            in: scope,
            audit: .none
        )
        let bin = try await spatial.createBin(
            NewSpatialChild(siteID: site, parentID: rack.id, code: "B-\(tag)", name: "Bin"),
            in: scope,
            audit: .none
        )
        let location = try await spatial.createInventoryLocation(
            NewInventoryLocation(siteID: site, code: "L-\(tag)", name: "Loc", locationType: .vault),
            in: scope,
            audit: .none
        )
        let sensor = try await spatial.createEquipment(
            NewEquipment(siteID: site, code: "S-\(tag)", name: "Sensor", kind: .sensor, zoneID: zone.id),
            in: scope,
            audit: .none
        )
        let valve = try await spatial.createEquipment(
            NewEquipment(
                siteID: site,
                code: "V-\(tag)",
                name: "Valve",
                kind: .valve,
                valveLoadClass: .standard,
                zoneID: zone.id
            ),
            in: scope,
            audit: .none
        )
        _ = try await spatial.addCalibration(
            NewCalibration(siteID: site, equipmentID: sensor.id, performedAt: Date(), result: .pass),
            in: scope,
            audit: .none
        )
        _ = try await spatial.recordHeartbeat(
            Heartbeat(siteID: site, equipmentID: sensor.id, status: .online, at: Date()),
            in: scope,
            audit: .none
        )
        _ = try await spatial.mapValve(valve.id, toZone: zone.id, in: scope, audit: .none)
        let user = try await identity.createUser(
            NewUser(email: "u-\(tag)@example.com", displayName: "User \(tag)", status: .active),
            in: scope,
            audit: .none
        )
        try await identity.assignSite(userID: user.id, siteID: site, in: scope, audit: .none)
        try await identity.assignRole(userID: user.id, role: .operator, in: scope, audit: .none)
        let code = "BADGE-\(tag)"
        _ = try await identity.issueBadge(code: code, userID: user.id, in: scope, audit: .none)
        let login = try await identity.badgeLogin(badgeCode: code, deviceID: "dev-\(tag)", audit: .none)
        return SiteFixture(
            organizationID: tenant.organizationID,
            siteID: site,
            scope: tenant.scope(site: site),
            roomID: room.id,
            zoneID: zone.id,
            rackID: rack.id,
            binID: bin.id,
            locationID: location.id,
            sensorID: sensor.id,
            valveID: valve.id,
            userID: user.id,
            badgeCode: code,
            sessionID: login.session.id
        )
    }
}
