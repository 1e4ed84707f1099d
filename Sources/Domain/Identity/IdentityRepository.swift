import Foundation

/// Users, roles, site membership, badges and device sessions. Every mutation writes its audit row (chained per
/// organization) in the same transaction.
///
/// Only `badgeLogin` and `principal(sessionID:)` run without a scope: they are how a scope is obtained. Everything
/// else runs under the caller's `AccessScope`; rows outside it are invisible (reads) or refused (writes).
public protocol IdentityRepository: RequestLedger {
    /// Starts a session for the holder of an active badge on `deviceID`. Throws `unauthenticated`
    /// (`BADGE_NOT_RECOGNIZED`) for an unknown or revoked badge or a disabled user; `invalidArgument` for malformed
    /// input. The audit row (`session.start`) has the badge holder as actor.
    func badgeLogin(badgeCode: String, deviceID: String, audit: AuditContext) async throws -> BadgeLoginResult

    /// The principal of an open session, or nil when the session does not exist, has ended (logout, revocation) or
    /// its user is disabled. For the authentication interceptor.
    func principal(sessionID: UUID) async throws -> Principal?

    /// Sets an open session's `last_activity_at` to now, unless it was set less than `interval` ago (so callers
    /// may call it often without writing often).
    func recordActivity(sessionID: UUID, interval: Duration, in scope: AccessScope) async throws

    /// Ends a session (logout); idempotent for a session that already ended.
    func endSession(_ sessionID: UUID, in scope: AccessScope, audit: AuditContext) async throws

    /// Sessions of the organization, newest first; only open ones unless `includeEnded`; optionally one user's.
    func listSessions(
        in scope: AccessScope,
        userID: UUID?,
        includeEnded: Bool,
        page: PageRequest
    ) async throws -> Page<DeviceSession>

    /// Revokes the badge with this code and ends its open sessions; returns the ended session ids. A NOTIFY on
    /// `IdentityChannels.sessionsEnded` carries them to every instance when the transaction commits. Throws
    /// `notFound` (`BADGE_NOT_FOUND`) when no badge of the organization has that code.
    func revokeBadge(code: String, in scope: AccessScope, audit: AuditContext) async throws -> [UUID]

    /// Issues a badge with `code` to a user of the organization. `alreadyExists` if the code is taken.
    func issueBadge(code: String, userID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> Badge

    func listBadges(userID: UUID, in scope: AccessScope) async throws -> [Badge]

    /// Creates (or invites) a user in the scope's organization. `alreadyExists` (`USER_EXISTS`) for a taken e-mail.
    func createUser(_ user: NewUser, in scope: AccessScope, audit: AuditContext) async throws -> User

    func user(_ id: UUID, in scope: AccessScope) async throws -> UserProfile

    func listUsers(in scope: AccessScope, page: PageRequest) async throws -> Page<User>

    /// Users ordered by e-mail with their roles and sites, read in one statement; only those with access to
    /// `siteID` when given.
    func listUserProfiles(in scope: AccessScope, siteID: UUID?, page: PageRequest) async throws -> Page<UserProfile>

    func setUserStatus(_ id: UUID, status: UserStatus, in scope: AccessScope, audit: AuditContext) async throws -> User

    /// Adds the user to a site; the site must be in the caller's scope. Idempotent.
    func assignSite(userID: UUID, siteID: UUID, in scope: AccessScope, audit: AuditContext) async throws

    /// Removes the user from a site in the caller's scope. Idempotent.
    func unassignSite(userID: UUID, siteID: UUID, in scope: AccessScope, audit: AuditContext) async throws

    /// Grants a role (organization-wide). Idempotent.
    func assignRole(userID: UUID, role: Role, in scope: AccessScope, audit: AuditContext) async throws

    /// Withdraws a role. Idempotent.
    func unassignRole(userID: UUID, role: Role, in scope: AccessScope, audit: AuditContext) async throws
}

/// AIP-155 request ids: the first response to each request id of the scope's user, kept for a day.
public protocol RequestLedger: Sendable {
    /// Claims `requestID` for a new request (`.claimed`), or says what happened to an earlier one with that id. A
    /// claim left unfinished for longer than `staleAfter` (its process died) is taken over.
    func claimRequest(
        _ requestID: String,
        method: String,
        fingerprint: [UInt8],
        staleAfter: Duration,
        in scope: AccessScope
    ) async throws -> RequestClaim

    /// Stores the response of a claimed request.
    func completeRequest(_ requestID: String, response: [UInt8], in scope: AccessScope) async throws

    /// Drops a claim whose request failed, so that a retry runs it again.
    func releaseRequest(_ requestID: String, in scope: AccessScope) async throws
}

/// What `RequestLedger.claimRequest` found.
public enum RequestClaim: Sendable, Hashable {
    /// The id is new: run the request, then complete (or release) it.
    case claimed
    /// A request with this id is still running.
    case inProgress
    /// A request with this id finished: its method, the SHA-256 of its request message and its response.
    case completed(method: String, fingerprint: [UInt8], response: [UInt8])
}

/// LISTEN/NOTIFY channels the identity store uses.
public enum IdentityChannels {
    /// Payload: the ended session ids, comma-separated. Sent on badge revocation and session end.
    public static let sessionsEnded = "harvestry_sessions_ended"
}
