import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import HarvestryApp
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Badge login and authentication")
    struct AuthenticationTests {
        @Test("badge login returns a token, the session and the user; the token opens the other RPCs")
        func loginThenCall() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge, device: "kiosk-7")
                let user = session.response.user
                #expect(user.id == tenant.adminID.uuidString.lowercased())
                #expect(user.name == "Ada Admin")
                #expect(user.roles == ["admin", "manager"])
                #expect(Set(user.sites) == Set(tenant.siteIDs.map { $0.uuidString.lowercased() }))
                #expect(UUID(uuidString: session.response.sessionID) != nil)
                #expect(session.response.expireTime.date > Date())

                let me = try await server.identity.getUser(
                    .with { $0.name = "users/\(user.id)" },
                    metadata: session.metadata
                )
                #expect(me.email.hasPrefix("admin-"))
                let sessions = try await server.identity.listSessions(.init(), metadata: session.metadata)
                let mine = try #require(sessions.sessions.first { $0.id == session.response.sessionID })
                #expect(mine.deviceID == "kiosk-7")
                #expect(mine.userID == user.id)
            }
        }

        @Test("an unknown badge is UNAUTHENTICATED and says nothing more")
        func unknownBadge() async throws {
            let database = try AppDatabase.current()
            try await TestServer.with(database) { server in
                await expectStatus(.unauthenticated, reason: "BADGE_NOT_RECOGNIZED") {
                    _ = try await server.login("NO-SUCH-BADGE-\(UInt32.random(in: 0...UInt32.max))")
                }
            }
        }

        @Test("missing, garbage, foreign-key, expired and malformed-header tokens are UNAUTHENTICATED")
        func badTokens() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let claims = try SessionTokenSigner(key: TestServer.key).verify(session.token, now: 0)
                var expiredClaims = claims
                expiredClaims.expiresAt = Int64(Date().timeIntervalSince1970) - 1
                let expired = try SessionTokenSigner(key: TestServer.key).sign(expiredClaims)
                let foreign = try SessionTokenSigner(key: Array(repeating: 9, count: 32)).sign(claims)
                let cases: [(Metadata, String)] = [
                    ([:], "TOKEN_MISSING"),
                    (["authorization": "Bearer not.a.token"], "TOKEN_INVALID"),
                    (["authorization": .string("Bearer \(foreign)")], "TOKEN_INVALID"),
                    (["authorization": .string("Bearer \(expired)")], "TOKEN_EXPIRED"),
                    (["authorization": .string(session.token)], "TOKEN_INVALID"),
                    (["authorization": .string("Basic \(session.token)")], "TOKEN_INVALID"),
                ]
                for (metadata, reason) in cases {
                    await expectStatus(.unauthenticated, reason: reason) {
                        _ = try await server.identity.listSessions(.init(), metadata: metadata)
                    }
                    await expectStatus(.unauthenticated, reason: reason) {
                        _ = try await server.spatial.listRooms(.with { $0.parent = tenant.site(0) }, metadata: metadata)
                    }
                }
                // The good token still works after all that.
                _ = try await server.identity.listSessions(.init(), metadata: session.metadata)
            }
        }

        @Test("a revoked badge's token is refused at once, and the badge no longer logs in")
        func revokedToken() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let (operatorBadge, _) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                let operatorSession = try await server.login(operatorBadge)
                let admin = try await server.login(tenant.adminBadge)
                _ = try await server.spatial.listRooms(
                    .with { $0.parent = tenant.site(0) },
                    metadata: operatorSession.metadata
                )

                let revoked = try await server.identity.revokeBadge(
                    .with { $0.badgeID = operatorBadge },
                    metadata: admin.metadata
                )
                #expect(revoked.revokedSessionIds == [operatorSession.response.sessionID])
                await expectStatus(.unauthenticated, reason: "SESSION_ENDED") {
                    _ = try await server.spatial.listRooms(
                        .with { $0.parent = tenant.site(0) },
                        metadata: operatorSession.metadata
                    )
                }
                await expectStatus(.unauthenticated) { _ = try await server.login(operatorBadge) }
            }
        }

        @Test("only admins and managers revoke badges; only admins create users")
        func roles() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let (badge, _) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                let session = try await server.login(badge)
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.identity.revokeBadge(
                        .with { $0.badgeID = tenant.adminBadge },
                        metadata: session.metadata
                    )
                }
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.identity.createUser(
                        .with {
                            $0.user.displayName = "Eve"
                            $0.user.email = "eve@example.com"
                        },
                        metadata: session.metadata
                    )
                }
                // An operator lists only their own sessions.
                _ = try await server.login(tenant.adminBadge)
                let sessions = try await server.identity.listSessions(.init(), metadata: session.metadata)
                #expect(sessions.sessions.map(\.id) == [session.response.sessionID])
            }
        }

        @Test("health, reflection and echo need no token")
        func publicServices() async throws {
            let database = try AppDatabase.current()
            try await TestServer.with(database) { server in
                try await withGRPCClient(transport: try CoreClientTransport(target: server.address)) { client in
                    let health = Grpc_Health_V1_Health.Client(wrapping: client)
                    for service in ["", "harvestry.identity.v1.IdentityService", "harvestry.spatial.v1.SpatialService"]
                    {
                        let status = try await health.check(.with { $0.service = service }).status
                        #expect(status == .serving)
                    }
                    let echo = Harvestry_Echo_V1_EchoService.Client(wrapping: client)
                    let reply = try await echo.echo(.with { $0.text = "hi" })
                    #expect(reply.text == "hi")
                }
            }
        }
    }
}

/// Creates a user through the API (as the tenant's admin) with roles, sites (indexes into the tenant's) and a badge.
func makeUser(
    _ server: TestServer,
    _ tenant: TestTenant,
    roles: [String],
    sites: [Int]
) async throws -> (badge: String, user: Harvestry_Identity_V1_User) {
    let admin = try await server.login(tenant.adminBadge, device: "admin-console")
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let user = try await server.identity.createUser(
        .with {
            $0.user.displayName = "User \(tag)"
            $0.user.email = "user-\(tag)@example.com"
            $0.roles = roles
            $0.sites = sites.map { tenant.site($0) }
        },
        metadata: admin.metadata
    )
    let badge = "BADGE-\(tag)"
    _ = try await server.identity.issueBadge(
        .with {
            $0.parent = user.name
            $0.code = badge
        },
        metadata: admin.metadata
    )
    return (badge, user)
}
