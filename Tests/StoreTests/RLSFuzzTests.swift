import Domain
import Foundation
import Store
import TestSupport
import Testing

/// One repository call aimed at another site's records. `run` returns true when the target's data came back or
/// the write went through (a leak); throwing a denial is the expected outcome.
struct CrossSiteAttempt: Sendable {
    let name: String
    /// Identity records are organization-wide by design: only other organizations' are out of reach.
    let otherOrganizationOnly: Bool
    let run:
        @Sendable (PostgresSpatialRepository, PostgresIdentityRepository, SiteFixture, SiteFixture) async throws
            -> Bool
}

extension CrossSiteAttempt {
    static func read(
        _ name: String,
        _ body:
            @escaping @Sendable (PostgresSpatialRepository, SiteFixture, SiteFixture)
            async throws -> Bool
    ) -> CrossSiteAttempt {
        CrossSiteAttempt(name: name, otherOrganizationOnly: false) { spatial, _, actor, target in
            try await body(spatial, actor, target)
        }
    }

    static func write(
        _ name: String,
        _ body:
            @escaping @Sendable (PostgresSpatialRepository, SiteFixture, SiteFixture)
            async throws -> Void
    ) -> CrossSiteAttempt {
        CrossSiteAttempt(name: name, otherOrganizationOnly: false) { spatial, _, actor, target in
            try await body(spatial, actor, target)
            return true
        }
    }

    static func identity(
        _ name: String,
        _ body:
            @escaping @Sendable (
                PostgresIdentityRepository, SiteFixture,
                SiteFixture
            ) async throws -> Bool
    ) -> CrossSiteAttempt {
        CrossSiteAttempt(name: name, otherOrganizationOnly: true) { _, identity, actor, target in
            try await body(identity, actor, target)
        }
    }

    static func fresh() -> String { "F-" + String(UInt32.random(in: 0...UInt32.max), radix: 36) }

    /// Every read and write method of both repositories, aimed at `target` from `actor`'s scope, including writes
    /// into the actor's own site that reference the target's records.
    static let all: [CrossSiteAttempt] = [
        .read("room") { s, a, t in
            _ = try await s.room(t.roomID, in: a.scope); return true
        },
        .read("zone") { s, a, t in
            _ = try await s.zone(t.zoneID, in: a.scope); return true
        },
        .read("rack") { s, a, t in
            _ = try await s.rack(t.rackID, in: a.scope); return true
        },
        .read("bin") { s, a, t in
            _ = try await s.bin(t.binID, in: a.scope); return true
        },
        .read("inventoryLocation") { s, a, t in
            _ = try await s.inventoryLocation(t.locationID, in: a.scope); return true
        },
        .read("equipment") { s, a, t in
            _ = try await s.equipment(t.sensorID, in: a.scope); return true
        },
        .read("listRooms") { s, a, t in
            !(try await s.listRooms(siteID: t.siteID, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listZones") { s, a, t in
            !(try await s.listZones(siteID: t.siteID, roomID: nil, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listRacks") { s, a, t in
            !(try await s.listRacks(siteID: t.siteID, zoneID: nil, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listBins") { s, a, t in
            !(try await s.listBins(siteID: t.siteID, rackID: nil, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listInventoryLocations") { s, a, t in
            !(try await s.listInventoryLocations(siteID: t.siteID, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listEquipment") { s, a, t in
            !(try await s.listEquipment(siteID: t.siteID, kind: nil, in: a.scope, page: .first).items.isEmpty)
        },
        .read("tree") { s, a, t in !(try await s.tree(siteID: t.siteID, in: a.scope).rooms.isEmpty) },
        .read("listCalibrations") { s, a, t in
            !(try await s.listCalibrations(equipmentID: t.sensorID, in: a.scope, page: .first).items.isEmpty)
        },
        .read("deviceHealth") { s, a, t in try await s.deviceHealth(equipmentID: t.sensorID, in: a.scope) != nil },
        .read("listDeviceHealth") { s, a, t in
            !(try await s.listDeviceHealth(siteID: t.siteID, in: a.scope, page: .first).items.isEmpty)
        },
        .read("listValveZoneMappings") { s, a, t in
            !(try await s.listValveZoneMappings(siteID: t.siteID, valveID: nil, zoneID: nil, in: a.scope, page: .first)
                .items.isEmpty)
        },
        .read("listSites") { s, a, t in try await s.listSites(in: a.scope).contains { $0.id == t.siteID } },
        .write("createRoom") { s, a, t in
            _ = try await s.createRoom(
                NewRoom(siteID: t.siteID, code: fresh(), name: "x", roomType: .veg),
                in: a.scope,
                audit: .none
            )
        },
        .write("createZone") { s, a, t in
            _ = try await s.createZone(
                NewSpatialChild(siteID: t.siteID, parentID: t.roomID, code: fresh(), name: "x"),
                in: a.scope,
                audit: .none
            )
        },
        .write("createZone(own site, their room)") { s, a, t in
            _ = try await s.createZone(
                NewSpatialChild(siteID: a.siteID, parentID: t.roomID, code: fresh(), name: "x"),
                in: a.scope,
                audit: .none
            )
        },
        .write("createRack(own site, their zone)") { s, a, t in
            _ = try await s.createRack(
                NewSpatialChild(siteID: a.siteID, parentID: t.zoneID, code: fresh(), name: "x"),
                in: a.scope,
                audit: .none
            )
        },
        .write("createBin(own site, their rack)") { s, a, t in
            _ = try await s.createBin(
                NewSpatialChild(siteID: a.siteID, parentID: t.rackID, code: fresh(), name: "x"),
                in: a.scope,
                audit: .none
            )
        },
        .write("createInventoryLocation") { s, a, t in
            _ = try await s.createInventoryLocation(
                NewInventoryLocation(siteID: t.siteID, code: fresh(), name: "x", locationType: .vault),
                in: a.scope,
                audit: .none
            )
        },
        .write("createInventoryLocation(own site, their bin)") { s, a, t in
            _ = try await s.createInventoryLocation(
                NewInventoryLocation(
                    siteID: a.siteID,
                    code: fresh(),
                    name: "x",
                    locationType: .bin,
                    anchor: .bin(t.binID)
                ),
                in: a.scope,
                audit: .none
            )
        },
        .write("createEquipment") { s, a, t in
            _ = try await s.createEquipment(
                NewEquipment(siteID: t.siteID, code: fresh(), name: "x", kind: .pump),
                in: a.scope,
                audit: .none
            )
        },
        .write("createEquipment(own site, their zone)") { s, a, t in
            _ = try await s.createEquipment(
                NewEquipment(siteID: a.siteID, code: fresh(), name: "x", kind: .pump, zoneID: t.zoneID),
                in: a.scope,
                audit: .none
            )
        },
        .write("updateRoom") { s, a, t in
            _ = try await s.updateRoom(t.roomID, RoomUpdate(name: "pwned"), in: a.scope, audit: .none)
        },
        .write("renameZone") { s, a, t in _ = try await s.renameZone(t.zoneID, name: "pwned", in: a.scope, audit: .none)
        },
        .write("renameRack") { s, a, t in _ = try await s.renameRack(t.rackID, name: "pwned", in: a.scope, audit: .none)
        },
        .write("renameBin") { s, a, t in _ = try await s.renameBin(t.binID, name: "pwned", in: a.scope, audit: .none) },
        .write("renameInventoryLocation") { s, a, t in
            _ = try await s.renameInventoryLocation(t.locationID, name: "pwned", in: a.scope, audit: .none)
        },
        .write("updateEquipment") { s, a, t in
            _ = try await s.updateEquipment(t.sensorID, EquipmentUpdate(status: .retired), in: a.scope, audit: .none)
        },
        .write("updateEquipment(own, into their zone)") { s, a, t in
            _ = try await s.updateEquipment(a.sensorID, EquipmentUpdate(zoneID: t.zoneID), in: a.scope, audit: .none)
        },
        .write("deleteRoom") { s, a, t in try await s.deleteRoom(t.roomID, in: a.scope, audit: .none) },
        .write("deleteZone") { s, a, t in try await s.deleteZone(t.zoneID, in: a.scope, audit: .none) },
        .write("deleteRack") { s, a, t in try await s.deleteRack(t.rackID, in: a.scope, audit: .none) },
        .write("deleteBin") { s, a, t in try await s.deleteBin(t.binID, in: a.scope, audit: .none) },
        .write("deleteInventoryLocation") { s, a, t in
            try await s.deleteInventoryLocation(t.locationID, in: a.scope, audit: .none)
        },
        .write("deleteEquipment") { s, a, t in try await s.deleteEquipment(t.sensorID, in: a.scope, audit: .none) },
        .write("addCalibration") { s, a, t in
            _ = try await s.addCalibration(
                NewCalibration(siteID: t.siteID, equipmentID: t.sensorID, performedAt: Date(), result: .fail),
                in: a.scope,
                audit: .none
            )
        },
        .write("addCalibration(own site, their sensor)") { s, a, t in
            _ = try await s.addCalibration(
                NewCalibration(siteID: a.siteID, equipmentID: t.sensorID, performedAt: Date(), result: .fail),
                in: a.scope,
                audit: .none
            )
        },
        .write("recordHeartbeat") { s, a, t in
            _ = try await s.recordHeartbeat(
                Heartbeat(siteID: t.siteID, equipmentID: t.sensorID, status: .offline, at: Date()),
                in: a.scope,
                audit: .none
            )
        },
        .write("recordHeartbeat(own site, their sensor)") { s, a, t in
            _ = try await s.recordHeartbeat(
                Heartbeat(siteID: a.siteID, equipmentID: t.sensorID, status: .offline, at: Date()),
                in: a.scope,
                audit: .none
            )
        },
        .write("mapValve") { s, a, t in _ = try await s.mapValve(t.valveID, toZone: t.zoneID, in: a.scope, audit: .none)
        },
        .write("mapValve(own valve, their zone)") { s, a, t in
            _ = try await s.mapValve(a.valveID, toZone: t.zoneID, in: a.scope, audit: .none)
        },
        .write("unmapValve") { s, a, t in
            try await s.unmapValve(t.valveID, fromZone: t.zoneID, in: a.scope, audit: .none)
        },
        .identity("assignSite(own user, their site)") { i, a, t in
            try await i.assignSite(userID: a.userID, siteID: t.siteID, in: a.scope, audit: .none)
            return true
        },
        .identity("user") { i, a, t in
            _ = try await i.user(t.userID, in: a.scope); return true
        },
        .identity("listUsers") { i, a, t in
            try await i.listUsers(in: a.scope, page: try PageRequest(size: 1000)).items.contains { $0.id == t.userID }
        },
        .identity("listBadges") { i, a, t in !(try await i.listBadges(userID: t.userID, in: a.scope).isEmpty) },
        .identity("listSessions") { i, a, t in
            try await i.listSessions(in: a.scope, userID: nil, includeEnded: true, page: try PageRequest(size: 1000))
                .items.contains { $0.id == t.sessionID }
        },
        .identity("issueBadge") { i, a, t in
            _ = try await i.issueBadge(code: fresh(), userID: t.userID, in: a.scope, audit: .none)
            return true
        },
        .identity("revokeBadge") { i, a, t in
            _ = try await i.revokeBadge(code: t.badgeCode, in: a.scope, audit: .none)
            return true
        },
        .identity("endSession") { i, a, t in
            try await i.endSession(t.sessionID, in: a.scope, audit: .none)
            return true
        },
        .identity("setUserStatus") { i, a, t in
            _ = try await i.setUserStatus(t.userID, status: .disabled, in: a.scope, audit: .none)
            return true
        },
        .identity("assignSite(their user)") { i, a, t in
            try await i.assignSite(userID: t.userID, siteID: a.siteID, in: a.scope, audit: .none)
            return true
        },
        .identity("unassignSite(their user)") { i, a, t in
            try await i.unassignSite(userID: t.userID, siteID: t.siteID, in: a.scope, audit: .none)
            return true
        },
        .identity("assignRole(their user)") { i, a, t in
            try await i.assignRole(userID: t.userID, role: .admin, in: a.scope, audit: .none)
            return true
        },
        .identity("unassignRole(their user)") { i, a, t in
            try await i.unassignRole(userID: t.userID, role: .operator, in: a.scope, audit: .none)
            return true
        },
    ]
}

extension PostgresIntegrationTests {
    /// Random actors (a site's scope) aim every repository method at random other sites' records, in the same and
    /// in other organizations: every attempt is denied or sees nothing, and the database is unchanged afterwards.
    @Test func rlsFuzzDeniesEveryCrossSiteAttempt() async throws {
        try await withMigratedDatabase { db in
            let a = try await TestTenant.make(in: db, sites: 2)
            let b = try await TestTenant.make(in: db, sites: 2)
            var fixtures: [SiteFixture] = []
            for (tenant, site) in [(a, a.siteIDs[0]), (a, a.siteIDs[1]), (b, b.siteIDs[0]), (b, b.siteIDs[1])] {
                fixtures.append(try await SiteFixture.make(db, tenant: tenant, site: site))
            }
            let spatial = db.spatial
            let identity = db.identity
            // Controls: aimed at the actor's own site, the reads do see data (so a denial below is not a bug).
            for attempt in CrossSiteAttempt.all where attempt.name.hasPrefix("list") || attempt.name == "tree" {
                let own = fixtures[0]
                let sees = try await attempt.run(spatial, identity, own, own)
                #expect(sees, "control: \(attempt.name) sees nothing in its own site")
            }

            let before = try await Self.snapshot(db.owner)
            let seed = UInt64.random(in: 0...UInt64.max)
            var generator = SplitMix64(seed: seed)
            var attempts = 0
            var denied: [String: Int] = [:]
            for _ in 0..<400 {
                let attempt = CrossSiteAttempt.all.randomElement(using: &generator)!
                let actor = fixtures.randomElement(using: &generator)!
                let targets = fixtures.filter {
                    $0.siteID != actor.siteID
                        && (!attempt.otherOrganizationOnly || $0.organizationID != actor.organizationID)
                }
                let target = targets.randomElement(using: &generator)!
                attempts += 1
                do {
                    let leaked = try await attempt.run(spatial, identity, actor, target)
                    #expect(!leaked, "seed \(seed): \(attempt.name) from site \(actor.siteID) reached \(target.siteID)")
                } catch let error as DomainError {
                    #expect(
                        [.notFound, .permissionDenied, .failedPrecondition].contains(error.code),
                        "seed \(seed): \(attempt.name) failed unexpectedly: \(error)"
                    )
                    denied[error.code.description, default: 0] += 1
                }
            }
            #expect(attempts == 400)
            // Every attempt failed or saw nothing: not one row (nor audit row) changed anywhere.
            #expect(try await Self.snapshot(db.owner) == before, "seed \(seed): a cross-site attempt wrote")
            #expect(try await AuditVerifier().verify(db.owner).fault == nil)
        }
    }
}
