import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// List filters apply in the query, not to the page already read: pages are full and hold exactly the matches.
    @Suite("Filtered lists")
    struct ListingTests {
        /// ListUsers reads users with their roles and sites in one statement and filters by site in the query, so
        /// pages of one site's users are full and together hold exactly that site's users.
        @Test("ListUsers of a site pages over that site's users only, with full pages")
        func pagesOfOneSite() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 2)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                var expected: Set<String> = ["users/\(tenant.adminID.uuidString.lowercased())"]
                for index in 0..<8 {
                    // Alternate sites so that, by e-mail, the two sites' users interleave.
                    let site = index % 2
                    let (_, user) = try await makeUser(server, tenant, roles: ["operator"], sites: [site])
                    if site == 1 { expected.insert(user.name) }
                }
                var seen: [String] = []
                var pageSizes: [Int] = []
                var token = ""
                for _ in 0..<10 {
                    let page = try await server.identity.listUsers(
                        .with {
                            $0.site = tenant.site(1)
                            $0.pageSize = 2
                            $0.pageToken = token
                        },
                        metadata: admin
                    )
                    pageSizes.append(page.users.count)
                    for user in page.users {
                        seen.append(user.name)
                        #expect(user.sites.contains(tenant.site(1)), "\(user)")
                        #expect(!user.roles.isEmpty, "\(user)")
                    }
                    token = page.nextPageToken
                    if token.isEmpty { break }
                }
                #expect(Set(seen) == expected)
                #expect(seen.count == expected.count)
                #expect(pageSizes.dropLast().allSatisfy { $0 == 2 }, "\(pageSizes)")
            }
        }

        @Test("ListEquipment of a zone pages over that zone's equipment only, with full pages")
        func equipmentOfOneZone() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                let zones = [
                    try await makeZone(server, site: tenant.site(0), metadata: admin),
                    try await makeZone(server, site: tenant.site(0), metadata: admin),
                ]
                var expected: Set<String> = []
                for index in 0..<8 {
                    // Codes interleave the two zones.
                    let zone = zones[index % 2]
                    let sensor = try await server.spatial.createEquipment(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.equipment = .with {
                                $0.code = "S-\(index)"; $0.type = "Temperature Sensor"; $0.zone = zone.name
                            }
                        },
                        metadata: admin
                    )
                    if index % 2 == 1 { expected.insert(sensor.name) }
                }
                var seen: [String] = []
                var pageSizes: [Int] = []
                var token = ""
                for _ in 0..<10 {
                    let page = try await server.spatial.listEquipment(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.zone = zones[1].name
                            $0.pageSize = 2
                            $0.pageToken = token
                        },
                        metadata: admin
                    )
                    pageSizes.append(page.equipment.count)
                    seen += page.equipment.map(\.name)
                    token = page.nextPageToken
                    if token.isEmpty { break }
                }
                #expect(Set(seen) == expected)
                #expect(seen.count == expected.count)
                #expect(pageSizes.dropLast().allSatisfy { $0 == 2 }, "\(pageSizes)")
            }
        }
    }
}
