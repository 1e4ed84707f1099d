import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// Users, badges and sessions belong to an organization: another organization's admin can neither see nor
    /// change them.
    @Suite("Cross-organization identity access")
    struct CrossOrganizationTests {
        @Test("another organization's admin is denied every identity RPC on our users, badges and sessions")
        func denied() async throws {
            let database = try AppDatabase.current()
            let home = try await TestTenant.make(in: database)
            let foreign = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let victim = try await server.login(home.adminBadge)
                let attacker = try await server.login(foreign.adminBadge).metadata
                let user = "users/\(home.adminID.uuidString.lowercased())"
                let attempts: [(String, () async throws -> Void)] = [
                    (
                        "GetUser",
                        { _ = try await server.identity.getUser(.with { $0.name = user }, metadata: attacker) }
                    ),
                    (
                        "AssignUserRole",
                        {
                            _ = try await server.identity.assignUserRole(
                                .with {
                                    $0.user = user
                                    $0.role = "viewer"
                                },
                                metadata: attacker
                            )
                        }
                    ),
                    (
                        "IssueBadge",
                        {
                            _ = try await server.identity.issueBadge(
                                .with {
                                    $0.parent = user
                                    $0.code = "EVIL-\(UInt32.random(in: 0...UInt32.max))"
                                },
                                metadata: attacker
                            )
                        }
                    ),
                    (
                        "RevokeBadge",
                        {
                            _ = try await server.identity.revokeBadge(
                                .with { $0.badgeID = home.adminBadge },
                                metadata: attacker
                            )
                        }
                    ),
                    (
                        "EndSession",
                        {
                            _ = try await server.identity.endSession(
                                .with { $0.name = "sessions/\(victim.response.sessionID)" },
                                metadata: attacker
                            )
                        }
                    ),
                ]
                for (name, attempt) in attempts {
                    do {
                        try await attempt()
                        Issue.record("\(name) on another organization succeeded")
                    } catch let error as RPCError {
                        #expect([.notFound, .permissionDenied].contains(error.code), "\(name): \(error)")
                    }
                }
                // Nothing of ours shows up in their lists, and our admin still works.
                let users = try await server.identity.listUsers(.init(), metadata: attacker)
                #expect(!users.users.contains { $0.name == user })
                let sessions = try await server.identity.listSessions(.init(), metadata: attacker)
                #expect(!sessions.sessions.contains { $0.id == victim.response.sessionID })
                let me = try await server.identity.getUser(.with { $0.name = user }, metadata: victim.metadata)
                #expect(me.roles == ["admin", "manager"])
            }
        }
    }
}
