import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Revocation across instances")
    struct RevocationTests {
        /// Two servers on one database and one key: a token from one works on the other, and a badge revoked
        /// through the first is refused by the second within one second (every call checks the session).
        @Test("a revocation on instance A reaches instance B within 1 s", arguments: 1...3)
        func reachesSecondInstance(round: Int) async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { first in
                try await TestServer.with(database) { second in
                    let (badge, _) = try await makeUser(first, tenant, roles: ["operator"], sites: [0])
                    let victim = try await first.login(badge)
                    let admin = try await second.login(tenant.adminBadge)
                    let probe = Harvestry_Spatial_V1_ListRoomsRequest.with { $0.parent = tenant.site(0) }
                    _ = try await second.spatial.listRooms(probe, metadata: victim.metadata)

                    _ = try await first.identity.revokeBadge(.with { $0.badgeID = badge }, metadata: admin.metadata)
                    let revokedAt = ContinuousClock.now
                    var refusedAfter: Duration?
                    for _ in 0..<200 {
                        do {
                            _ = try await second.spatial.listRooms(probe, metadata: victim.metadata)
                        } catch let error as RPCError where error.code == .unauthenticated {
                            refusedAfter = ContinuousClock.now - revokedAt
                            break
                        }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    let latency = try #require(refusedAfter, "instance B never refused the revoked session")
                    print("revocation A->B round \(round): refused after \(latency)")
                    #expect(latency < .seconds(1))
                }
            }
        }
    }
}
