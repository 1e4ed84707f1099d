import API
import Domain
import Foundation
import Gateway
import Store
import SwiftProtobuf
import TestSupport
import Testing

extension DatabaseSuites {
    /// The RLS fuzz over HTTP: the JSON gateway beside the server as `harvestry serve` runs it, the pilot seed
    /// loaded, and random users' tokens sent to every Identity and Spatial route against a site (or, for
    /// organization-wide resources, an organization) that is not theirs. Every attempt must be refused with 403 and
    /// a harvestry.io ErrorInfo reason, or 404 from the service (never the gateway's own NO_ROUTE), in a JSON
    /// `google.rpc.Status` body; lists that take no site must show nothing of the other organization; and nothing
    /// of the targets (rows, audit rows) may change.
    @Suite("Cross-site access over HTTP (RLS fuzz)")
    struct CrossSiteHTTPFuzzTests {
        /// A target: one site's resources and its organization's admin.
        struct Target: Sendable {
            var resources: CrossSiteFuzzTests.SiteResources
            var organization: UUID
            var adminBadge: String
            var adminSession: String
        }

        /// A signed-in user: their token, organization and sites (`sites/{id}`).
        struct Attacker: Sendable {
            var token: String
            var organization: UUID
            var sites: Set<String>
        }

        @Test("every cross-site HTTP attempt is refused, and the targets are unchanged")
        func fuzz() async throws {
            let database = try AppDatabase.current()
            _ = try await PilotSeed.load(database.owner)
            let home = try await TestTenant.make(in: database, sites: 3)
            let foreign = try await TestTenant.make(in: database, sites: 1)
            let pilotAdmin = try #require(PilotSeed.people.first { $0.role == .admin })
            let pilot = TestTenant(
                organizationID: PilotSeed.organizationID,
                siteIDs: [PilotSeed.siteID],
                adminID: pilotAdmin.id,
                adminBadge: pilotAdmin.badge
            )
            let seed = UInt64.random(in: 0...UInt64.max)
            print("cross-site HTTP fuzz seed \(seed)")
            try await TestServer.with(database, gateway: true) { server in
                let http = GatewayClient(port: try #require(server.httpPort))
                defer { http.close() }
                try Self.checkCoverage()
                var targets: [Target] = []
                for (tenant, site) in [(home, 1), (home, 2), (foreign, 0), (pilot, 0)] {
                    let resources =
                        tenant.organizationID == PilotSeed.organizationID
                        ? try await Self.populatePilot(server, pilot)
                        : try await CrossSiteFuzzTests.populate(server, tenant, site: site)
                    let admin = try await server.login(tenant.adminBadge, device: "target-console")
                    targets.append(
                        Target(
                            resources: resources,
                            organization: tenant.organizationID,
                            adminBadge: tenant.adminBadge,
                            adminSession: admin.response.sessionID
                        )
                    )
                }
                // Attackers: every pilot user (pilot site only), users of the home organization's site 0 with
                // every role or few, and the foreign organization's admin; all signed in over HTTP.
                var badges: [(String, UUID)] = PilotSeed.people.map { ($0.badge, PilotSeed.organizationID) }
                for roles in [["admin", "manager", "technician"], ["operator"], ["technician", "supervisor"]] {
                    badges.append(
                        (try await makeUser(server, home, roles: roles, sites: [0]).badge, home.organizationID)
                    )
                }
                badges.append((foreign.adminBadge, foreign.organizationID))
                var attackers: [Attacker] = []
                for (badge, organization) in badges {
                    attackers.append(try await Self.login(http, badge: badge, organization: organization))
                }
                let before = try await Self.snapshot(database, targets)

                var random = SplitMix64(seed: seed)
                var outcomes: [String: Int] = [:]
                var leaks: [String] = []
                var routesTried: Set<String> = []
                let deadline = ContinuousClock.now + .seconds(150)
                for iteration in 0..<400 where ContinuousClock.now < deadline {
                    // Every attempt once first (400 random draws over 54 routes missed one in about 3 % of runs),
                    // then random ones.
                    let attempt =
                        iteration < Self.attempts.count
                        ? Self.attempts[iteration] : Self.attempts[Int(random.next() % UInt64(Self.attempts.count))]
                    let attacker = attackers[Int(random.next() % UInt64(attackers.count))]
                    let eligible = targets.filter { target in
                        attempt.scope == .site
                            ? !attacker.sites.contains(target.resources.site)
                            : target.organization != attacker.organization
                    }
                    let target = eligible[Int(random.next() % UInt64(eligible.count))]
                    let request = attempt.request(target)
                    let response = try await http.send(
                        request.method,
                        request.path,
                        token: attacker.token,
                        json: request.body
                    )
                    routesTried.insert(attempt.route)
                    let label = "#\(iteration) \(request.method) \(request.path) (\(attempt.route))"
                    if let problem = Self.problem(response, attempt: attempt, target: target) {
                        leaks.append("\(label): \(problem)")
                    } else {
                        outcomes["\(response.status) \(response.errorReason ?? "-")", default: 0] += 1
                    }
                }
                let total = outcomes.values.reduce(0, +) + leaks.count
                print(
                    "cross-site HTTP fuzz: \(total) attempts over \(routesTried.count) routes: "
                        + "\(outcomes.sorted { $0.key < $1.key }), \(leaks.count) not refused"
                )
                #expect(leaks.isEmpty, "\(leaks.prefix(10))")
                #expect(total >= 200)
                #expect(routesTried.count == Set(Self.attempts.map(\.route)).count)
                #expect(try await Self.snapshot(database, targets) == before)
            }
        }

        @Test("no token, or a bad one, is 401 with WWW-Authenticate on every protected route")
        func unauthenticated() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database, gateway: true) { server in
                let http = GatewayClient(port: try #require(server.httpPort))
                defer { http.close() }
                let resources = try await CrossSiteFuzzTests.populate(server, tenant, site: 0)
                let admin = try await server.login(tenant.adminBadge, device: "target-console")
                let target = Target(
                    resources: resources,
                    organization: tenant.organizationID,
                    adminBadge: tenant.adminBadge,
                    adminSession: admin.response.sessionID
                )
                let before = try await Self.snapshot(database, [target])
                for attempt in Self.attempts {
                    let request = attempt.request(target)
                    for (token, reason) in [(nil, "TOKEN_MISSING"), ("not-a-token", "TOKEN_INVALID")] {
                        let response = try await http.send(
                            request.method,
                            request.path,
                            token: token,
                            json: request.body
                        )
                        let label = "\(request.method) \(request.path) with token \(token ?? "none")"
                        #expect(response.status == 401, "\(label): \(response.status) \(response.text)")
                        #expect(response.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(label)")
                        #expect(response.error?["status"] as? String == "UNAUTHENTICATED", "\(label)")
                        #expect(response.errorReason == reason, "\(label): \(response.text)")
                    }
                }
                #expect(try await Self.snapshot(database, [target]) == before)
            }
        }

        /// What is wrong with `response` for this attempt, or nil when it was properly refused (or, for a list
        /// without a site, properly filtered).
        static func problem(_ response: GatewayClient.Response, attempt: Attempt, target: Target) -> String? {
            if attempt.scope == .filtered {
                guard response.status == 200 else { return "status \(response.status): \(response.text.prefix(300))" }
                let r = target.resources
                for secret in [
                    r.site.dropFirst("sites/".count), r.user.dropFirst("users/".count), target.adminSession[...],
                ]
                where response.text.contains(secret) {
                    return "the response shows \(secret) of another organization"
                }
                return nil
            }
            guard [403, 404].contains(response.status) else {
                return "status \(response.status): \(response.text.prefix(300))"
            }
            guard response.headers["content-type"]?.hasPrefix("application/json") == true,
                let error = response.error,
                error["code"] as? Int == response.status,
                error["status"] as? String == (response.status == 403 ? "PERMISSION_DENIED" : "NOT_FOUND")
            else {
                return "not a google.rpc.Status body: \(response.text.prefix(300))"
            }
            guard let reason = response.errorReason, reason != "NO_ROUTE" else {
                return "no service ErrorInfo reason: \(response.text.prefix(300))"
            }
            return nil
        }

        /// Every Identity and Spatial route of the gateway is attempted, except the public badge login.
        static func checkCoverage() throws {
            let table = try RouteTable(index: try DescriptorIndex.embedded())
            let served = table.routes.filter {
                $0.method.service.hasPrefix("harvestry.identity.") || $0.method.service.hasPrefix("harvestry.spatial.")
            }
            let expected = Set(served.map(\.label)).subtracting(Self.publicRoutes)
            let attempted = Set(Self.attempts.map(\.route))
            #expect(
                attempted.subtracting(expected).isEmpty,
                "attempts of unknown routes: \(attempted.subtracting(expected))"
            )
            #expect(
                expected.subtracting(attempted).isEmpty,
                "routes never attempted: \(expected.subtracting(attempted))"
            )
        }

        /// The pilot site's seeded room, zone, sensor, valve and location, and a rack and bin added to the zone
        /// (the seeded rooms and zones stay as they are: other tests count them).
        static func populatePilot(
            _ server: TestServer,
            _ pilot: TestTenant
        ) async throws
            -> CrossSiteFuzzTests.SiteResources
        {
            let metadata = try await server.login(pilot.adminBadge).metadata
            let site = pilot.site(0)
            let tree = try await server.spatial.getSiteTree(.with { $0.site = site }, metadata: metadata)
            let room = try #require(tree.rooms.first { !$0.zones.isEmpty })
            let zone = room.zones[0].zone
            let equipment = tree.rooms.flatMap { $0.equipment + $0.zones.flatMap(\.equipment) }
            let sensor = try #require(equipment.first { $0.kind == .sensor })
            let valve = try #require(equipment.first { $0.kind == .valve })
            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16).uppercased()
            let rack = try await server.spatial.createRack(
                .with {
                    $0.parent = site
                    $0.rack = .with {
                        $0.code = "FUZZ-R-\(tag)"; $0.displayName = "Fuzz rack"; $0.zone = zone.name
                    }
                },
                metadata: metadata
            )
            let bin = try await server.spatial.createBin(
                .with {
                    $0.parent = site
                    $0.bin = .with {
                        $0.code = "FUZZ-B-\(tag)"; $0.displayName = "Fuzz bin"; $0.rack = rack.name
                    }
                },
                metadata: metadata
            )
            _ = try await server.spatial.recordHeartbeat(.with { $0.equipment = sensor.name }, metadata: metadata)
            return CrossSiteFuzzTests.SiteResources(
                site: site,
                room: room.room.name,
                zone: zone.name,
                zoneID: zone.id,
                rack: rack.name,
                bin: bin.name,
                location: try #require(tree.locations.first).name,
                sensor: sensor.name,
                sensorID: sensor.id,
                valve: valve.name,
                user: "users/\(pilot.adminID.uuidString.lowercased())"
            )
        }

        static let publicRoutes: Set<String> = ["POST /v1/auth:badgeLogin", "POST /auth/badge-login"]

        static func login(_ http: GatewayClient, badge: String, organization: UUID) async throws -> Attacker {
            let response = try await http.send(
                "POST",
                "/auth/badge-login",
                json: #"{"badgeId": "\#(badge)", "deviceId": "fuzz-kiosk"}"#
            )
            #expect(response.status == 200, "\(response.text)")
            let json = try #require(response.json)
            let user = try #require(json["user"] as? [String: Any])
            let sites = try #require(user["sites"] as? [String])
            return Attacker(
                token: try #require(json["token"] as? String),
                organization: organization,
                sites: Set(sites.map { "sites/\($0)" })
            )
        }

        /// The targets' site rows (as the gRPC fuzz snapshots them) and their organizations' users, roles,
        /// memberships, badges, sessions and audit rows, read as the owner.
        static func snapshot(_ database: AppDatabase, _ targets: [Target]) async throws -> [String] {
            var rows = try await CrossSiteFuzzTests.snapshot(database, targets.map(\.resources))
            let organizations =
                "{" + Set(targets.map { $0.organization.uuidString.lowercased() }).joined(separator: ",") + "}"
            for (table, columns) in [
                ("users", "id, email, display_name, status"), ("user_roles", "user_id, role"),
                ("user_sites", "user_id, site_id"), ("badges", "id, status"),
                // Other tests sign in to the pilot organization meanwhile: new open sessions and their audit rows
                // are theirs; an ended session or any other audit row would be the fuzz's.
                ("device_sessions", "id, ended_at"), ("audit_logs", "chain_id, seq, row_hash"),
            ] {
                let filter =
                    switch table {
                    case "device_sessions": " AND ended_at IS NOT NULL"
                    case "audit_logs": " AND action <> 'session.start'"
                    default: ""
                    }
                let result = try await database.owner.query(
                    "SELECT (\(columns))::text AS row FROM \(table) WHERE organization_id = ANY($1::uuid[])\(filter) "
                        + "ORDER BY 1",
                    [SQLValue(organizations)]
                )
                rows += try result.map { "\(table): " + (try $0.decode("row", as: String.self)) }
            }
            return rows
        }
    }
}
