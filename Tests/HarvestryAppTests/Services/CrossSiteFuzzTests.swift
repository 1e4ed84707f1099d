import API
import Foundation
import GRPCCore
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// Random users and sites against every read and write RPC that names a site: every attempt on a site outside
    /// the caller's scope (another site of the organization, or another organization) must fail with
    /// PERMISSION_DENIED or NOT_FOUND, and nothing of the target site may change.
    @Suite("Cross-site access over gRPC (RLS fuzz)")
    struct CrossSiteFuzzTests {
        /// The resources of one site, created by its admin.
        struct SiteResources: Sendable {
            var site: String
            var room: String
            var zone: String
            var zoneID: String
            var rack: String
            var bin: String
            var location: String
            var sensor: String
            var sensorID: String
            var valve: String
            var user: String
        }

        typealias Attempt = @Sendable (TestServer, Metadata, SiteResources) async throws -> Void

        static let attempts: [(String, Attempt)] = [
            ("GetRoom", { s, m, t in _ = try await s.spatial.getRoom(.with { $0.name = t.room }, metadata: m) }),
            ("ListRooms", { s, m, t in _ = try await s.spatial.listRooms(.with { $0.parent = t.site }, metadata: m) }),
            ("CreateRoom", { s, m, t in
                _ = try await s.spatial.createRoom(
                    .with {
                        $0.parent = t.site
                        $0.room = .with { $0.code = "EVIL"; $0.displayName = "Evil"; $0.roomType = "veg" }
                    },
                    metadata: m
                )
            }),
            ("UpdateRoom", { s, m, t in
                _ = try await s.spatial.updateRoom(
                    .with { $0.room = .with { $0.name = t.room; $0.displayName = "Evil" }; $0.updateMask.paths = ["display_name"] },
                    metadata: m
                )
            }),
            ("DeleteRoom", { s, m, t in _ = try await s.spatial.deleteRoom(.with { $0.name = t.room }, metadata: m) }),
            ("GetZone", { s, m, t in _ = try await s.spatial.getZone(.with { $0.name = t.zone }, metadata: m) }),
            ("ListZones", { s, m, t in _ = try await s.spatial.listZones(.with { $0.parent = t.site }, metadata: m) }),
            ("CreateZone", { s, m, t in
                _ = try await s.spatial.createZone(
                    .with { $0.parent = t.site; $0.zone = .with { $0.code = "EVIL"; $0.displayName = "Evil"; $0.room = t.room } },
                    metadata: m
                )
            }),
            ("UpdateZone", { s, m, t in
                _ = try await s.spatial.updateZone(
                    .with { $0.zone = .with { $0.name = t.zone; $0.displayName = "Evil" }; $0.updateMask.paths = ["display_name"] },
                    metadata: m
                )
            }),
            ("DeleteZone", { s, m, t in _ = try await s.spatial.deleteZone(.with { $0.name = t.zone }, metadata: m) }),
            ("GetRack", { s, m, t in _ = try await s.spatial.getRack(.with { $0.name = t.rack }, metadata: m) }),
            ("ListRacks", { s, m, t in _ = try await s.spatial.listRacks(.with { $0.parent = t.site }, metadata: m) }),
            ("CreateRack", { s, m, t in
                _ = try await s.spatial.createRack(
                    .with { $0.parent = t.site; $0.rack = .with { $0.code = "EVIL"; $0.displayName = "Evil"; $0.zone = t.zone } },
                    metadata: m
                )
            }),
            ("DeleteRack", { s, m, t in _ = try await s.spatial.deleteRack(.with { $0.name = t.rack }, metadata: m) }),
            ("GetBin", { s, m, t in _ = try await s.spatial.getBin(.with { $0.name = t.bin }, metadata: m) }),
            ("ListBins", { s, m, t in _ = try await s.spatial.listBins(.with { $0.parent = t.site }, metadata: m) }),
            ("CreateBin", { s, m, t in
                _ = try await s.spatial.createBin(
                    .with { $0.parent = t.site; $0.bin = .with { $0.code = "EVIL"; $0.displayName = "Evil"; $0.rack = t.rack } },
                    metadata: m
                )
            }),
            ("UpdateBin", { s, m, t in
                _ = try await s.spatial.updateBin(
                    .with { $0.bin = .with { $0.name = t.bin; $0.displayName = "Evil" }; $0.updateMask.paths = ["display_name"] },
                    metadata: m
                )
            }),
            ("DeleteBin", { s, m, t in _ = try await s.spatial.deleteBin(.with { $0.name = t.bin }, metadata: m) }),
            ("GetInventoryLocation", { s, m, t in
                _ = try await s.spatial.getInventoryLocation(.with { $0.name = t.location }, metadata: m)
            }),
            ("ListInventoryLocations", { s, m, t in
                _ = try await s.spatial.listInventoryLocations(.with { $0.parent = t.site }, metadata: m)
            }),
            ("CreateInventoryLocation", { s, m, t in
                _ = try await s.spatial.createInventoryLocation(
                    .with {
                        $0.parent = t.site
                        $0.inventoryLocation = .with { $0.code = "EVIL"; $0.displayName = "Evil"; $0.locationType = "vault" }
                    },
                    metadata: m
                )
            }),
            ("DeleteInventoryLocation", { s, m, t in
                _ = try await s.spatial.deleteInventoryLocation(.with { $0.name = t.location }, metadata: m)
            }),
            ("GetEquipment", { s, m, t in _ = try await s.spatial.getEquipment(.with { $0.name = t.sensor }, metadata: m) }),
            ("ListEquipment", { s, m, t in _ = try await s.spatial.listEquipment(.with { $0.parent = t.site }, metadata: m) }),
            ("CreateEquipment", { s, m, t in
                _ = try await s.spatial.createEquipment(
                    .with { $0.parent = t.site; $0.equipment = .with { $0.code = "EVIL"; $0.type = "sensor" } },
                    metadata: m
                )
            }),
            ("CreateEquipment by zoneId", { s, m, t in
                _ = try await s.spatial.createEquipment(
                    .with { $0.equipment = .with { $0.code = "EVIL"; $0.type = "sensor"; $0.zoneID = t.zoneID } },
                    metadata: m
                )
            }),
            ("UpdateEquipment", { s, m, t in
                _ = try await s.spatial.updateEquipment(
                    .with { $0.equipment = .with { $0.name = t.sensor; $0.model = "Evil" }; $0.updateMask.paths = ["model"] },
                    metadata: m
                )
            }),
            ("DeleteEquipment", { s, m, t in _ = try await s.spatial.deleteEquipment(.with { $0.name = t.sensor }, metadata: m) }),
            ("GetSiteTree", { s, m, t in _ = try await s.spatial.getSiteTree(.with { $0.site = t.site }, metadata: m) }),
            ("AddCalibration", { s, m, t in
                _ = try await s.spatial.addCalibration(
                    .with { $0.parent = t.sensor; $0.calibration = .with { $0.date = Google_Protobuf_Timestamp(date: Date()); $0.result = .fail } },
                    metadata: m
                )
            }),
            ("ListCalibrations", { s, m, t in
                _ = try await s.spatial.listCalibrations(.with { $0.parent = t.sensor }, metadata: m)
            }),
            ("ListCalibrations by equipment id", { s, m, t in
                _ = try await s.spatial.listCalibrations(.with { $0.equipmentID = t.sensorID }, metadata: m)
            }),
            ("RecordHeartbeat", { s, m, t in
                _ = try await s.spatial.recordHeartbeat(.with { $0.equipment = t.sensor; $0.status = .offline }, metadata: m)
            }),
            ("GetDeviceHealth", { s, m, t in
                _ = try await s.spatial.getDeviceHealth(.with { $0.name = t.sensor + "/health" }, metadata: m)
            }),
            ("MapValveToZone", { s, m, t in
                _ = try await s.spatial.mapValveToZone(.with { $0.valve = t.valve; $0.zone = t.zone }, metadata: m)
            }),
            ("UnmapValveFromZone", { s, m, t in
                _ = try await s.spatial.unmapValveFromZone(.with { $0.valve = t.valve; $0.zone = t.zone }, metadata: m)
            }),
            ("ListValveZoneMappings", { s, m, t in
                _ = try await s.spatial.listValveZoneMappings(.with { $0.parent = t.site }, metadata: m)
            }),
            ("ListUsers of the site", { s, m, t in _ = try await s.identity.listUsers(.with { $0.site = t.site }, metadata: m) }),
            ("AssignUserSite", { s, m, t in
                _ = try await s.identity.assignUserSite(.with { $0.user = t.user; $0.site = t.site }, metadata: m)
            }),
            ("CreateUser into the site", { s, m, t in
                _ = try await s.identity.createUser(
                    .with {
                        $0.user = .with { $0.displayName = "Evil"; $0.email = "evil-\(UInt32.random(in: 0...UInt32.max))@example.com" }
                        $0.sites = [t.site]
                    },
                    metadata: m
                )
            }),
        ]

        @Test("every cross-site attempt is denied, and the target sites are unchanged")
        func fuzz() async throws {
            let database = try AppDatabase.current()
            let home = try await TestTenant.make(in: database, sites: 3)
            let foreign = try await TestTenant.make(in: database, sites: 1)
            let seed = UInt64.random(in: 0...UInt64.max)
            print("cross-site fuzz seed \(seed)")
            try await TestServer.with(database) { server in
                var random = SplitMix64(seed: seed)
                // Targets: two sites of the home organization the attackers lack, and the foreign organization's.
                let targets = [
                    try await Self.populate(server, home, site: 1),
                    try await Self.populate(server, home, site: 2),
                    try await Self.populate(server, foreign, site: 0),
                ]
                let before = try await Self.snapshot(database, targets)
                // Attackers: users of site 0 only, with every role or with few.
                var attackers: [Metadata] = []
                for roles in [["admin", "manager", "technician"], ["operator"], ["technician", "supervisor"]] {
                    let (badge, _) = try await makeUser(server, home, roles: roles, sites: [0])
                    attackers.append(try await server.login(badge).metadata)
                }
                // The foreign organization's admin attacks the home organization's sites too.
                let foreignAdmin = try await server.login(foreign.adminBadge).metadata

                var denied: [RPCError.Code: Int] = [:]
                var leaks: [String] = []
                let iterations = 400
                let deadline = ContinuousClock.now + .seconds(120)
                for iteration in 0..<iterations where ContinuousClock.now < deadline {
                    let (name, attempt) = Self.attempts[Int(random.next() % UInt64(Self.attempts.count))]
                    let useForeign = random.next() % 4 == 0
                    let attacker = useForeign ? foreignAdmin : attackers[Int(random.next() % UInt64(attackers.count))]
                    let target = useForeign ? targets[Int(random.next() % 2)] : targets[Int(random.next() % 3)]
                    do {
                        try await attempt(server, attacker, target)
                        leaks.append("#\(iteration) \(name) on \(target.site) succeeded")
                    } catch let error as RPCError where [.permissionDenied, .notFound].contains(error.code) {
                        denied[error.code, default: 0] += 1
                    } catch {
                        leaks.append("#\(iteration) \(name) on \(target.site): unexpected \(error)")
                    }
                }
                let total = denied.values.reduce(0, +) + leaks.count
                print(
                    "cross-site fuzz: \(total) attempts over \(Self.attempts.count) RPCs, "
                        + "\(denied[.permissionDenied] ?? 0) PERMISSION_DENIED, \(denied[.notFound] ?? 0) NOT_FOUND, "
                        + "\(leaks.count) not denied"
                )
                #expect(leaks.isEmpty, "\(leaks.prefix(10))")
                #expect(total >= Self.attempts.count)
                #expect(try await Self.snapshot(database, targets) == before)
            }
        }

        /// One of everything in `tenant`'s site, created through the API by the tenant's admin.
        static func populate(_ server: TestServer, _ tenant: TestTenant, site index: Int) async throws -> SiteResources {
            let metadata = try await server.login(tenant.adminBadge).metadata
            let site = tenant.site(index)
            let zone = try await makeZone(server, site: site, metadata: metadata)
            let rack = try await server.spatial.createRack(
                .with { $0.parent = site; $0.rack = .with { $0.code = "R"; $0.displayName = "R"; $0.zone = zone.name } },
                metadata: metadata
            )
            let bin = try await server.spatial.createBin(
                .with { $0.parent = site; $0.bin = .with { $0.code = "B"; $0.displayName = "B"; $0.rack = rack.name } },
                metadata: metadata
            )
            let location = try await server.spatial.createInventoryLocation(
                .with {
                    $0.parent = site
                    $0.inventoryLocation = .with { $0.code = "L"; $0.displayName = "L"; $0.locationType = "storage" }
                },
                metadata: metadata
            )
            let sensor = try await server.spatial.createEquipment(
                .with { $0.parent = site; $0.equipment = .with { $0.code = "S"; $0.type = "Humidity Sensor"; $0.zone = zone.name } },
                metadata: metadata
            )
            _ = try await server.spatial.addCalibration(
                .with { $0.parent = sensor.name; $0.calibration = .with { $0.date = Google_Protobuf_Timestamp(date: Date()); $0.result = .pass } },
                metadata: metadata
            )
            _ = try await server.spatial.recordHeartbeat(.with { $0.equipment = sensor.name }, metadata: metadata)
            let valve = try await server.spatial.createEquipment(
                .with {
                    $0.parent = site
                    $0.equipment = .with { $0.code = "V"; $0.displayName = "V"; $0.kind = .valve; $0.loadClass = .standard }
                },
                metadata: metadata
            )
            _ = try await server.spatial.mapValveToZone(.with { $0.valve = valve.name; $0.zone = zone.name }, metadata: metadata)
            return SiteResources(
                site: site,
                room: zone.room,
                zone: zone.name,
                zoneID: zone.id,
                rack: rack.name,
                bin: bin.name,
                location: location.name,
                sensor: sensor.name,
                sensorID: sensor.id,
                valve: valve.name,
                user: "users/\(tenant.adminID.uuidString.lowercased())"
            )
        }

        /// Every row of the target sites that an attack could change, as text (read as the owner, bypassing RLS).
        static func snapshot(_ database: AppDatabase, _ targets: [SiteResources]) async throws -> [String] {
            let sites = "{" + targets.map { String($0.site.dropFirst("sites/".count)) }.joined(separator: ",") + "}"
            var rows: [String] = []
            for (table, columns) in [
                ("rooms", "id, name, updated_at"), ("zones", "id, name, updated_at"), ("racks", "id, name, updated_at"),
                ("bins", "id, name, updated_at"), ("inventory_locations", "id, name"),
                ("equipment", "id, name, model, updated_at"), ("equipment_calibrations", "id"),
                ("device_health", "equipment_id, status, last_heartbeat_at"), ("valve_zone_mappings", "valve_id, zone_id"),
                ("user_sites", "user_id, site_id"),
            ] {
                let result = try await database.owner.query(
                    "SELECT (\(columns))::text AS row FROM \(table) WHERE site_id = ANY($1::uuid[]) ORDER BY 1",
                    [SQLValue(sites)]
                )
                rows += try result.map { "\(table): " + (try $0.decode("row", as: String.self)) }
            }
            return rows
        }
    }
}

/// A small seeded generator, so a failing run can be replayed from the printed seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
