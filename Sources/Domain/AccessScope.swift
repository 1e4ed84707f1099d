import Foundation

/// Who is asking and what they may reach: the authenticated user, their organization, the sites they belong to and
/// their roles. Repositories run every call under a scope, and the database enforces it again with row-level
/// security (the scope is set per transaction).
public struct AccessScope: Sendable, Hashable {
    public var organizationID: UUID
    public var userID: UUID
    public var siteIDs: Set<UUID>
    /// Role names, e.g. "operator", "manager" (see `Role`).
    public var roles: Set<String>

    public init(organizationID: UUID, userID: UUID, siteIDs: Set<UUID>, roles: Set<String>) {
        self.organizationID = organizationID
        self.userID = userID
        self.siteIDs = siteIDs
        self.roles = roles
    }

    public func contains(site: UUID) -> Bool { self.siteIDs.contains(site) }

    public func hasRole(_ role: String) -> Bool { self.roles.contains(role) }

    /// Throws `permissionDenied` (`SITE_OUT_OF_SCOPE`) unless `site` is in scope.
    public func require(site: UUID) throws {
        guard self.contains(site: site) else { throw DomainError.siteOutOfScope(site) }
    }
}

/// An authenticated session: the scope it grants plus the session itself (what the auth interceptor attaches to a
/// request).
public struct Principal: Sendable, Hashable {
    public var sessionID: UUID
    public var deviceID: String
    public var startedAt: Date
    public var scope: AccessScope

    public init(sessionID: UUID, deviceID: String, startedAt: Date, scope: AccessScope) {
        self.sessionID = sessionID
        self.deviceID = deviceID
        self.startedAt = startedAt
        self.scope = scope
    }
}
