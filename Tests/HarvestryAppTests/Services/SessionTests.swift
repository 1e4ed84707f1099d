import API
import Domain
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Sessions, the pilot seed and high-risk authorization")
    struct SessionTests {
        @Test("EndSession logs out: the token is refused; operators cannot end others' sessions, managers can")
        func endSession() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let (badge, _) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                let first = try await server.login(badge)
                let second = try await server.login(badge)
                let admin = try await server.login(tenant.adminBadge)
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.identity.endSession(
                        .with { $0.name = "sessions/\(admin.response.sessionID)" },
                        metadata: first.metadata
                    )
                }
                _ = try await server.identity.endSession(
                    .with { $0.name = "sessions/\(first.response.sessionID)" },
                    metadata: first.metadata
                )
                await expectStatus(.unauthenticated, reason: "SESSION_ENDED") {
                    _ = try await server.identity.listSessions(.init(), metadata: first.metadata)
                }
                _ = try await server.identity.endSession(
                    .with { $0.name = "sessions/\(second.response.sessionID)" },
                    metadata: admin.metadata
                )
                await expectStatus(.unauthenticated, reason: "SESSION_ENDED") {
                    _ = try await server.identity.listSessions(.init(), metadata: second.metadata)
                }
                _ = try await server.identity.listSessions(.init(), metadata: admin.metadata)
            }
        }

        @Test("the pilot seed's badges log in with their roles and the pilot site")
        func pilotSeedLogin() async throws {
            let database = try AppDatabase.current()
            _ = try await PilotSeed.load(database.owner)
            try await TestServer.with(database) { server in
                let manager = try #require(PilotSeed.people.first { $0.role == .manager })
                let session = try await server.login(manager.badge)
                #expect(session.response.user.name == manager.name)
                #expect(session.response.user.roles == ["manager"])
                #expect(session.response.user.sites == [PilotSeed.siteID.uuidString.lowercased()])
                let tree = try await server.spatial.getSiteTree(
                    .with { $0.site = "sites/\(PilotSeed.siteID.uuidString.lowercased())" },
                    metadata: session.metadata
                )
                #expect(tree.rooms.map(\.room.code).sorted() == ["FLW-1", "VEG-1"])
                #expect(tree.rooms.flatMap(\.zones).count == 10)
            }
        }

        @Test("high-risk actions: the policy sees the actor's and the witness's live sessions")
        func highRisk() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let client = PostgresClient(
                configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 2),
                logger: TestDirectory.logger
            )
            defer { client.close() }
            let identity = PostgresIdentityRepository(client: client)
            let authorizer = HighRiskAuthorizer(
                signer: try SessionTokenSigner(key: TestServer.key),
                resolve: { try await identity.principal(sessionID: $0) }
            )
            try await TestServer.with(database) { server in
                let (technicianBadge, _) = try await makeUser(server, tenant, roles: ["technician"], sites: [0])
                let (supervisorBadge, supervisor) = try await makeUser(
                    server,
                    tenant,
                    roles: ["supervisor"],
                    sites: [0]
                )
                let (operatorBadge, _) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                let technician = try await server.login(technicianBadge)
                let witness = try await server.login(supervisorBadge)
                let bystander = try await server.login(operatorBadge)
                let actor = try #require(
                    try await identity.principal(sessionID: UUID(uuidString: technician.response.sessionID)!)
                )
                let site = tenant.siteIDs[0]

                let audit = try await authorizer.authorize(
                    .rearmAfterLatchedFault,
                    site: site,
                    actor: actor,
                    witnessToken: witness.token,
                    requestID: "rearm-1"
                )
                #expect(audit.witnessUserID?.uuidString.lowercased() == supervisor.id)
                #expect(audit.requestID == "rearm-1")

                let cases: [(String?, RPCError.Code, String)] = [
                    (nil, .permissionDenied, "SECOND_PERSON_REQUIRED"),
                    (technician.token, .permissionDenied, "SECOND_PERSON_SAME_AS_ACTOR"),
                    (bystander.token, .permissionDenied, "SECOND_PERSON_ROLE_REQUIRED"),
                    ("garbage", .invalidArgument, "INVALID_WITNESS_TOKEN"),
                ]
                for (token, code, reason) in cases {
                    await expectStatus(code, reason: reason) {
                        _ = try await authorizer.authorize(
                            .rearmAfterLatchedFault,
                            site: site,
                            actor: actor,
                            witnessToken: token
                        )
                    }
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await authorizer.authorize(
                        .rearmAfterLatchedFault,
                        site: tenant.siteIDs[1],
                        actor: actor,
                        witnessToken: witness.token
                    )
                }
                // The witness's badge is revoked: their session ended, so their token no longer witnesses.
                let admin = try await server.login(tenant.adminBadge)
                _ = try await server.identity.revokeBadge(
                    .with { $0.badgeID = supervisorBadge },
                    metadata: admin.metadata
                )
                await expectStatus(.permissionDenied, reason: "SECOND_PERSON_BADGE_INACTIVE") {
                    _ = try await authorizer.authorize(
                        .rearmAfterLatchedFault,
                        site: site,
                        actor: actor,
                        witnessToken: witness.token
                    )
                }
            }
        }
    }
}
