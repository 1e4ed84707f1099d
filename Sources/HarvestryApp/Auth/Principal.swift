/// Who is calling: the authenticated session's user with the organization, roles and sites they hold now.
///
/// The auth interceptor binds it for the duration of the handler (`Principal.current`), so handlers and the store
/// scope every transaction to it.
public struct Principal: Sendable, Hashable {
    public var sessionID: String
    public var userID: String
    public var organizationID: String
    public var roles: Set<String>
    /// Site ids (UUIDs, lower case) the user may act on.
    public var sites: Set<String>

    public init(sessionID: String, userID: String, organizationID: String, roles: Set<String>, sites: Set<String>) {
        self.sessionID = sessionID
        self.userID = userID
        self.organizationID = organizationID
        self.roles = roles
        self.sites = sites
    }

    /// The caller of the RPC being handled; nil outside an authenticated call.
    @TaskLocal public static var current: Principal?

    public func hasAnyRole(_ roles: Set<String>) -> Bool { !self.roles.isDisjoint(with: roles) }
}

/// Turns a verified token's claims into the caller, checking the session is still open right now.
public protocol SessionAuthenticator: Sendable {
    /// The principal of an open session, or nil when the session has ended (logout, revoked badge, disabled user).
    func principal(for claims: SessionClaims) async throws -> Principal?
}
