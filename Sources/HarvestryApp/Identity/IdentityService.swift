import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// `harvestry.identity.v1.IdentityService`: badge login, sessions, badge revocation and user administration.
///
/// Input is validated here (INVALID_ARGUMENT with field violations) before the repository is called; the repository
/// enforces the caller's scope again and the database enforces it a third time with row-level security.
public struct IdentityService: Harvestry_Identity_V1_IdentityService.SimpleServiceProtocol {
    private let repository: any IdentityRepository
    private let signer: SessionTokenSigner
    private let tokenLifetime: Duration
    private let now: @Sendable () -> Date

    public init(
        repository: any IdentityRepository,
        signer: SessionTokenSigner,
        tokenLifetime: Duration = .seconds(12 * 3600),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repository = repository
        self.signer = signer
        self.tokenLifetime = tokenLifetime
        self.now = now
    }

    static let administrators: Set<Role> = [.admin]
    static let sessionManagers: Set<Role> = [.admin, .manager]

    public func badgeLogin(
        request: Harvestry_Identity_V1_BadgeLoginRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_BadgeLoginResponse {
        var violations = FieldViolations()
        violations.badgeCode("badge_id", request.badgeID)
        violations.required("device_id", request.deviceID, maximum: 128)
        try violations.check()
        let result = try await self.repository.badgeLogin(
            badgeCode: request.badgeID,
            deviceID: request.deviceID,
            audit: .none
        )
        let issued = self.now()
        let expires = issued.addingTimeInterval(TimeInterval(self.tokenLifetime.components.seconds))
        let principal = result.principal
        let token = self.signer.sign(
            SessionClaims(
                sessionID: principal.sessionID.lowercasedString,
                userID: principal.scope.userID.lowercasedString,
                organizationID: principal.scope.organizationID.lowercasedString,
                issuedAt: Int64(issued.timeIntervalSince1970),
                expiresAt: Int64(expires.timeIntervalSince1970)
            )
        )
        return .with {
            $0.token = token
            $0.sessionID = principal.sessionID.lowercasedString
            $0.user = .with {
                $0.id = result.profile.user.id.lowercasedString
                $0.name = result.profile.user.displayName
                $0.roles = result.profile.roles.map(\.rawValue).sorted()
                $0.sites = result.profile.siteIDs.map(\.lowercasedString).sorted()
            }
            $0.expireTime = Google_Protobuf_Timestamp(date: expires)
        }
    }

    public func listSessions(
        request: Harvestry_Identity_V1_ListSessionsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_ListSessionsResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        try violations.check()
        // Managers see the organization's sessions; everyone else only their own.
        let manager = !scope.roles.isDisjoint(with: Self.sessionManagers.map(\.rawValue))
        let sessions = try await self.repository.listSessions(
            in: scope,
            userID: manager ? nil : scope.userID,
            includeEnded: request.showEnded,
            page: page
        )
        return .with {
            $0.sessions = sessions.items.map(Harvestry_Identity_V1_Session.init)
            $0.nextPageToken = sessions.nextToken ?? ""
        }
    }

    public func endSession(
        request: Harvestry_Identity_V1_EndSessionRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .session)
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        let session = name!["session"]
        let manager = !scope.roles.isDisjoint(with: Self.sessionManagers.map(\.rawValue))
        guard manager || session == Principal.current?.sessionID else {
            throw ServiceError.roleRequired(
                Self.sessionManagers.map(\.rawValue).sorted(),
                method: "EndSession of another session"
            )
        }
        try await self.repository.endSession(session, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    public func revokeBadge(
        request: Harvestry_Identity_V1_RevokeBadgeRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_RevokeBadgeResponse {
        let scope = try Caller.scope(requiringAnyOf: Self.sessionManagers, method: "RevokeBadge")
        var violations = FieldViolations()
        violations.badgeCode("badge_id", request.badgeID)
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        let ended = try await self.repository.revokeBadge(code: request.badgeID, in: scope, audit: audit)
        return .with { $0.revokedSessionIds = ended.map(\.lowercasedString) }
    }

    public func createUser(
        request: Harvestry_Identity_V1_CreateUserRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        let scope = try Caller.scope(requiringAnyOf: Self.administrators, method: "CreateUser")
        var violations = FieldViolations()
        let displayName = violations.required("user.display_name", request.user.displayName)
        let email = violations.required("user.email", request.user.email, maximum: 254)
        let sites = request.sites.enumerated().compactMap { index, name in
            violations.name("sites[\(index)]", name, .site)?["site"]
        }
        let roles = request.roles.enumerated().compactMap { index, role in
            violations.role("roles[\(index)]", role)
        }
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        for site in sites { try Caller.require(site: site, in: scope) }
        let user = try await self.repository.createUser(
            NewUser(email: email ?? "", displayName: displayName ?? "", status: .invited),
            in: scope,
            audit: audit
        )
        for site in sites {
            try await self.repository.assignSite(userID: user.id, siteID: site, in: scope, audit: audit)
        }
        for role in roles {
            try await self.repository.assignRole(userID: user.id, role: role, in: scope, audit: audit)
        }
        return Harvestry_Identity_V1_User(try await self.repository.user(user.id, in: scope))
    }

    public func getUser(
        request: Harvestry_Identity_V1_GetUserRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .user)
        try violations.check()
        return Harvestry_Identity_V1_User(try await self.repository.user(name!["user"], in: scope))
    }

    public func listUsers(
        request: Harvestry_Identity_V1_ListUsersRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_ListUsersResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let site = violations.name("site", request.site, .site, required: false)?["site"]
        try violations.check()
        if let site { try Caller.require(site: site, in: scope) }
        let users = try await self.repository.listUserProfiles(in: scope, siteID: site, page: page)
        return .with {
            $0.users = users.items.map(Harvestry_Identity_V1_User.init)
            $0.nextPageToken = users.nextToken ?? ""
        }
    }

    public func assignUserSite(
        request: Harvestry_Identity_V1_AssignUserSiteRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        try await self.changeSite(request, method: "AssignUserSite") { user, site, scope, audit in
            try await self.repository.assignSite(userID: user, siteID: site, in: scope, audit: audit)
        }
    }

    public func unassignUserSite(
        request: Harvestry_Identity_V1_AssignUserSiteRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        try await self.changeSite(request, method: "UnassignUserSite") { user, site, scope, audit in
            try await self.repository.unassignSite(userID: user, siteID: site, in: scope, audit: audit)
        }
    }

    public func assignUserRole(
        request: Harvestry_Identity_V1_AssignUserRoleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        try await self.changeRole(request, method: "AssignUserRole") { user, role, scope, audit in
            try await self.repository.assignRole(userID: user, role: role, in: scope, audit: audit)
        }
    }

    public func unassignUserRole(
        request: Harvestry_Identity_V1_AssignUserRoleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_User {
        try await self.changeRole(request, method: "UnassignUserRole") { user, role, scope, audit in
            try await self.repository.unassignRole(userID: user, role: role, in: scope, audit: audit)
        }
    }

    /// Validates a site membership change (admin only, the site in the caller's scope), applies it, and returns
    /// the user as they are now.
    private func changeSite(
        _ request: Harvestry_Identity_V1_AssignUserSiteRequest,
        method: String,
        _ change: (UUID, UUID, AccessScope, AuditContext) async throws -> Void
    ) async throws -> Harvestry_Identity_V1_User {
        let scope = try Caller.scope(requiringAnyOf: Self.administrators, method: method)
        var violations = FieldViolations()
        let user = violations.name("user", request.user, .user)
        let site = violations.name("site", request.site, .site)
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        try Caller.require(site: site!["site"], in: scope)
        try await change(user!["user"], site!["site"], scope, audit)
        return Harvestry_Identity_V1_User(try await self.repository.user(user!["user"], in: scope))
    }

    /// Validates a role change (admin only, a role of the catalogue), applies it, and returns the user.
    private func changeRole(
        _ request: Harvestry_Identity_V1_AssignUserRoleRequest,
        method: String,
        _ change: (UUID, Role, AccessScope, AuditContext) async throws -> Void
    ) async throws -> Harvestry_Identity_V1_User {
        let scope = try Caller.scope(requiringAnyOf: Self.administrators, method: method)
        var violations = FieldViolations()
        let user = violations.name("user", request.user, .user)
        let role = violations.role("role", request.role)
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        try await change(user!["user"], role!, scope, audit)
        return Harvestry_Identity_V1_User(try await self.repository.user(user!["user"], in: scope))
    }

    public func issueBadge(
        request: Harvestry_Identity_V1_IssueBadgeRequest,
        context: ServerContext
    ) async throws -> Harvestry_Identity_V1_Badge {
        let scope = try Caller.scope(requiringAnyOf: Self.administrators, method: "IssueBadge")
        var violations = FieldViolations()
        let user = violations.name("parent", request.parent, .user)
        violations.badgeCode("code", request.code)
        let audit = violations.audit(requestID: request.requestID)
        try violations.check()
        let badge = try await self.repository.issueBadge(
            code: request.code,
            userID: user!["user"],
            in: scope,
            audit: audit
        )
        return Harvestry_Identity_V1_Badge(badge)
    }
}
