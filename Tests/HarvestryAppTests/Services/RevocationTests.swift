import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Revocation across instances")
    struct RevocationTests {
        /// Two servers on one database and one key: a token from one works on the other, and a badge revoked
        /// through the first is refused by the second on its very next call (every call checks the session, with
        /// no cache), which is what makes "within 1 s" hold. The latency is printed, not asserted: on a loaded
        /// machine one RPC alone can take longer than a second.
        @Test("a revocation on instance A is refused by instance B on its next call", arguments: 1...3)
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
                    let refusal = await #expect(throws: RPCError.self, "instance B served a revoked session") {
                        try await second.spatial.listRooms(probe, metadata: victim.metadata)
                    }
                    #expect(refusal?.code == .unauthenticated)
                    print("revocation A->B round \(round): refused after \(ContinuousClock.now - revokedAt)")
                }
            }
        }
    }
}
