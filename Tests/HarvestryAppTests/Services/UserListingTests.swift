import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Listing users")
    struct UserListingTests {
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
    }
}
