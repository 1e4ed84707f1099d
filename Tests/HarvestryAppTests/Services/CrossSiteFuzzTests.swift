import API
import Foundation
import GRPCCore
import Store
import SwiftProtobuf
import TestSupport
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
        static func populate(_ server: TestServer, _ tenant: TestTenant, site index: Int) async throws -> SiteResources
        {
            let metadata = try await server.login(tenant.adminBadge).metadata
            let site = tenant.site(index)
            let zone = try await makeZone(server, site: site, metadata: metadata)
            let rack = try await server.spatial.createRack(
                .with {
                    $0.parent = site;
                    $0.rack = .with {
                        $0.code = "R"; $0.displayName = "R"; $0.zone = zone.name
                    }
                },
                metadata: metadata
            )
            let bin = try await server.spatial.createBin(
                .with {
                    $0.parent = site;
                    $0.bin = .with {
                        $0.code = "B"; $0.displayName = "B"; $0.rack = rack.name
                    }
                },
                metadata: metadata
            )
            let location = try await server.spatial.createInventoryLocation(
                .with {
                    $0.parent = site
                    $0.inventoryLocation = .with {
                        $0.code = "L"; $0.displayName = "L"; $0.locationType = "storage"
                    }
                },
                metadata: metadata
            )
            let sensor = try await server.spatial.createEquipment(
                .with {
                    $0.parent = site;
                    $0.equipment = .with {
                        $0.code = "S"; $0.type = "Humidity Sensor"; $0.zone = zone.name
                    }
                },
                metadata: metadata
            )
            _ = try await server.spatial.addCalibration(
                .with {
                    $0.parent = sensor.name;
                    $0.calibration = .with {
                        $0.date = Google_Protobuf_Timestamp(date: Date()); $0.result = .pass
                    }
                },
                metadata: metadata
            )
            _ = try await server.spatial.recordHeartbeat(.with { $0.equipment = sensor.name }, metadata: metadata)
            let valve = try await server.spatial.createEquipment(
                .with {
                    $0.parent = site
                    $0.equipment = .with {
                        $0.code = "V"; $0.displayName = "V"; $0.kind = .valve; $0.loadClass = .standard
                    }
                },
                metadata: metadata
            )
            _ = try await server.spatial.mapValveToZone(
                .with {
                    $0.valve = valve.name; $0.zone = zone.name
                },
                metadata: metadata
            )
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
                ("device_health", "equipment_id, status, last_heartbeat_at"),
                ("valve_zone_mappings", "valve_id, zone_id"),
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
