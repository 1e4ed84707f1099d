import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    @Test func badgeLoginStartsASessionAndRevocationEndsIt() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db)
            let identity = db.identity
            let user = try await identity.createUser(
                NewUser(email: "op@example.com", displayName: "Operator One", status: .active),
                in: tenant.scope,
                audit: AuditContext(requestID: "req-1")
            )
            try await identity.assignSite(userID: user.id, siteID: tenant.siteIDs[0], in: tenant.scope, audit: .none)
            try await identity.assignRole(userID: user.id, role: .operator, in: tenant.scope, audit: .none)
            // Idempotent: a repeat changes nothing and writes no audit row.
            try await identity.assignRole(userID: user.id, role: .operator, in: tenant.scope, audit: .none)
            let badge = try await identity.issueBadge(
                code: "BADGE-0001",
                userID: user.id,
                in: tenant.scope,
                audit: .none
            )
            #expect(badge.codeHint == "0001")

            let login = try await identity.badgeLogin(badgeCode: "BADGE-0001", deviceID: "tablet-7", audit: .none)
            #expect(login.profile.user.id == user.id)
            #expect(login.profile.roles == [.operator])
            #expect(login.profile.siteIDs == [tenant.siteIDs[0]])
            let principal = try #require(try await identity.principal(sessionID: login.session.id))
            #expect(principal.scope == login.principal.scope)
            #expect(principal.deviceID == "tablet-7")

            let open = try await identity.listSessions(
                in: tenant.scope,
                userID: user.id,
                includeEnded: false,
                page: .first
            )
            #expect(open.items.map(\.id) == [login.session.id])

            let ended = try await identity.revokeBadge(code: "BADGE-0001", in: tenant.scope, audit: .none)
            #expect(ended == [login.session.id])
            #expect(try await identity.principal(sessionID: login.session.id) == nil)
            await #expect(throws: DomainError.self) {
                try await identity.badgeLogin(badgeCode: "BADGE-0001", deviceID: "tablet-7", audit: .none)
            }
            let error = try await #require(throws: DomainError.self) {
                try await identity.badgeLogin(badgeCode: "UNKNOWN-1", deviceID: "tablet-7", audit: .none)
            }
            #expect(error.code == .unauthenticated)
            #expect(error.reason == "BADGE_NOT_RECOGNIZED")

            let report = try await AuditVerifier().verify(db.owner)
            #expect(report.fault == nil)
            // user.create, assign_site, assign_role, badge.issue, session.start, badge.revoke
            #expect(report.rows == 6)
        }
    }

    @Test func sessionListPagesAndDuplicateUserIsAlreadyExists() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db)
            let identity = db.identity
            let user = try await identity.createUser(
                NewUser(email: "pager@example.com", displayName: "Pager", status: .active),
                in: tenant.scope,
                audit: .none
            )
            _ = try await identity.issueBadge(code: "PAGER-01", userID: user.id, in: tenant.scope, audit: .none)
            var started: [UUID] = []
            for device in 0..<5 {
                started.append(
                    try await identity.badgeLogin(badgeCode: "PAGER-01", deviceID: "d\(device)", audit: .none).session
                        .id
                )
            }
            var seen: [UUID] = []
            var token: String?
            repeat {
                let page = try await identity.listSessions(
                    in: tenant.scope,
                    userID: user.id,
                    includeEnded: true,
                    page: try PageRequest(size: 2, token: token)
                )
                seen += page.items.map(\.id)
                token = page.nextToken
            } while token != nil
            #expect(Set(seen) == Set(started))
            #expect(seen.count == 5)

            let error = try await #require(throws: DomainError.self) {
                try await identity.createUser(
                    NewUser(email: "pager@example.com", displayName: "Again"),
                    in: tenant.scope,
                    audit: .none
                )
            }
            #expect(error.code == .alreadyExists)
            #expect(error.reason == "USER_EXISTS")
        }
    }
}
