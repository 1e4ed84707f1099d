import Domain
import Foundation

/// `IdentityRepository` on Postgres. Give it a client that connects as `harvestry_service`, so row-level security
/// backs every query's own filters.
public struct PostgresIdentityRepository: IdentityRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    public func badgeLogin(badgeCode: String, deviceID: String, audit: AuditContext) async throws -> BadgeLoginResult {
        try Badge.validate(code: badgeCode, field: "badge_id")
        try DeviceSession.validate(deviceID: deviceID, field: "device_id")
        try audit.validate()
        return try await mappingErrors(resource: "session", table: "device_sessions") {
            try await self.client.transaction { connection in
                let found = try await connection.query(
                    "SELECT badge_id, user_id, organization_id FROM harvestry_badge_principal($1)",
                    [SQLValue(badgeCode)]
                )
                guard let principal = found.first else {
                    throw DomainError(
                        code: .unauthenticated,
                        message: "the badge is not recognized, revoked, or its user is disabled",
                        reason: "BADGE_NOT_RECOGNIZED"
                    )
                }
                let badgeID = try principal.decode("badge_id", as: UUID.self)
                let userID = try principal.decode("user_id", as: UUID.self)
                let organizationID = try principal.decode("organization_id", as: UUID.self)
                // The user's own scope, first without sites (to read them), then with them.
                try await connection.setScope(organizationID: organizationID, userID: userID, siteIDs: [])
                guard let profile = try await connection.userProfile(userID) else {
                    throw DomainError.notFound("user", id: userID.uuidString.lowercased())
                }
                let scope = AccessScope(
                    organizationID: organizationID,
                    userID: userID,
                    siteIDs: Set(profile.siteIDs),
                    roles: Set(profile.roles.map(\.rawValue))
                )
                try await connection.setScope(scope)
                let rows = try await connection.query(
                    """
                    INSERT INTO device_sessions (organization_id, user_id, badge_id, device_id)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4)
                    RETURNING \(DeviceSession.columns)
                    """,
                    [SQLValue(organizationID), SQLValue(userID), SQLValue(badgeID), SQLValue(deviceID)]
                )
                let session = try DeviceSession(row: rows[0])
                try await connection.audit(
                    "session.start",
                    resourceType: "session",
                    resourceID: session.id.uuidString.lowercased(),
                    siteID: nil,
                    details: ["badge_id": badgeID.uuidString.lowercased(), "device_id": deviceID],
                    scope: scope,
                    context: audit
                )
                return BadgeLoginResult(session: session, profile: profile)
            }
        }
    }

    public func principal(sessionID: UUID) async throws -> Principal? {
        try await mappingErrors(resource: "session", table: "device_sessions") {
            let rows = try await self.client.query(
                """
                SELECT session_id, user_id, organization_id, device_id, started_at, roles::text AS roles,
                    site_ids::text AS site_ids
                FROM harvestry_session_principal($1::uuid)
                """,
                [SQLValue(sessionID)]
            )
            guard let row = rows.first else { return nil }
            let sites = try PostgresConnection.textArray(try row.decode("site_ids")).compactMap(UUID.init(uuidString:))
            return Principal(
                sessionID: try row.decode("session_id"),
                deviceID: try row.decode("device_id"),
                startedAt: try row.decode("started_at"),
                scope: AccessScope(
                    organizationID: try row.decode("organization_id"),
                    userID: try row.decode("user_id"),
                    siteIDs: Set(sites),
                    roles: Set(try PostgresConnection.textArray(try row.decode("roles")))
                )
            )
        }
    }

    public func endSession(_ sessionID: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try audit.validate()
        try await mappingErrors(resource: "session", table: "device_sessions") {
            try await self.client.transaction(scope: scope) { connection in
                let ended = try await connection.query(
                    """
                    UPDATE device_sessions SET ended_at = now(), end_reason = 'logout'
                    WHERE id = $1::uuid AND ended_at IS NULL RETURNING id
                    """,
                    [SQLValue(sessionID)]
                )
                if ended.isEmpty {
                    let exists = try await connection.query(
                        "SELECT 1 FROM device_sessions WHERE id = $1::uuid",
                        [SQLValue(sessionID)]
                    )
                    if exists.isEmpty { throw DomainError.notFound("session", id: sessionID.uuidString.lowercased()) }
                    return
                }
                try await connection.notifySessionsEnded([sessionID])
                try await connection.audit(
                    "session.end",
                    resourceType: "session",
                    resourceID: sessionID.uuidString.lowercased(),
                    siteID: nil,
                    scope: scope,
                    context: audit
                )
            }
        }
    }

    public func listSessions(
        in scope: AccessScope,
        userID: UUID?,
        includeEnded: Bool,
        page: PageRequest
    ) async throws -> Page<DeviceSession> {
        let after = try PageCursor.decodeTimeAndID(page.token)
        return try await mappingErrors(resource: "session", table: "device_sessions") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(DeviceSession.columns) FROM device_sessions
                    WHERE ($1::uuid IS NULL OR user_id = $1::uuid)
                      AND ($2 OR ended_at IS NULL)
                      AND ($3::bigint IS NULL
                           OR (started_at, id) < ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid))
                    ORDER BY started_at DESC, id DESC
                    LIMIT $5
                    """,
                    [
                        SQLValue(userID), SQLValue(includeEnded), SQLValue(after?.micros), SQLValue(after?.id),
                        SQLValue(page.size + 1),
                    ]
                )
                let items = try rows.map { row in
                    (try DeviceSession(row: row), try row.decode("started_us", as: Int64.self))
                }
                let paged = PageCursor.page(items, size: page.size) { [String($0.1), $0.0.id.uuidString] }
                return Page(items: paged.items.map(\.0), nextToken: paged.nextToken)
            }
        }
    }

    public func revokeBadge(code: String, in scope: AccessScope, audit: AuditContext) async throws -> [UUID] {
        try Badge.validate(code: code, field: "badge_id")
        try audit.validate()
        return try await mappingErrors(resource: "badge", table: "badges") {
            try await self.client.transaction(scope: scope) { connection in
                let badges = try await connection.query(
                    """
                    UPDATE badges SET status = 'revoked', revoked_at = coalesce(revoked_at, now())
                    WHERE code_sha256 = sha256(convert_to($1, 'UTF8'))
                    RETURNING id, user_id
                    """,
                    [SQLValue(code)]
                )
                guard let badge = badges.first else {
                    throw DomainError(
                        code: .notFound,
                        message: "no badge of the organization has this code",
                        reason: "BADGE_NOT_FOUND"
                    )
                }
                let badgeID = try badge.decode("id", as: UUID.self)
                let sessionIDs = try await connection.endOpenSessions(badgeID: badgeID, reason: .badgeRevoked)
                try await connection.audit(
                    "badge.revoke",
                    resourceType: "badge",
                    resourceID: badgeID.uuidString.lowercased(),
                    siteID: nil,
                    details: [
                        "user_id": try badge.decode("user_id", as: UUID.self).uuidString.lowercased(),
                        "sessions_ended": String(sessionIDs.count),
                    ],
                    scope: scope,
                    context: audit
                )
                return sessionIDs
            }
        }
    }

    public func issueBadge(code: String, userID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> Badge
    {
        try Badge.validate(code: code, field: "badge_id")
        try audit.validate()
        return try await mappingErrors(resource: "badge", table: "badges") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.requireUser(userID)
                let rows = try await connection.query(
                    """
                    INSERT INTO badges (organization_id, user_id, code_sha256, code_hint)
                    VALUES ($1::uuid, $2::uuid, sha256(convert_to($3, 'UTF8')), right($3, 4))
                    RETURNING \(Badge.columns)
                    """,
                    [SQLValue(scope.organizationID), SQLValue(userID), SQLValue(code)]
                )
                let badge = try Badge(row: rows[0])
                try await connection.audit(
                    "badge.issue",
                    resourceType: "badge",
                    resourceID: badge.id.uuidString.lowercased(),
                    siteID: nil,
                    details: ["user_id": userID.uuidString.lowercased(), "code_hint": badge.codeHint],
                    scope: scope,
                    context: audit
                )
                return badge
            }
        }
    }

    public func listBadges(userID: UUID, in scope: AccessScope) async throws -> [Badge] {
        try await mappingErrors(resource: "badge", table: "badges") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.requireUser(userID)
                return try await connection.query(
                    "SELECT \(Badge.columns) FROM badges WHERE user_id = $1::uuid ORDER BY issued_at, id",
                    [SQLValue(userID)]
                ).map(Badge.init(row:))
            }
        }
    }
}

extension PostgresConnection {
    /// Throws `notFound` unless the user is visible in the transaction's scope (i.e. in its organization).
    func requireUser(_ id: UUID) async throws {
        let rows = try await self.query("SELECT 1 FROM users WHERE id = $1::uuid", [SQLValue(id)])
        if rows.isEmpty { throw DomainError.notFound("user", id: id.uuidString.lowercased()) }
    }

    /// Ends the open sessions of a badge or of a user, tells every instance, and returns their ids.
    func endOpenSessions(
        badgeID: UUID? = nil,
        userID: UUID? = nil,
        reason: SessionEndReason
    ) async throws -> [UUID] {
        let ended = try await self.query(
            """
            UPDATE device_sessions SET ended_at = now(), end_reason = $3
            WHERE (badge_id = $1::uuid OR user_id = $2::uuid) AND ended_at IS NULL RETURNING id
            """,
            [SQLValue(badgeID), SQLValue(userID), SQLValue(reason.rawValue)]
        )
        let sessionIDs = try ended.map { try $0.decode("id", as: UUID.self) }
        try await self.notifySessionsEnded(sessionIDs)
        return sessionIDs
    }

    /// Tells every instance (LISTEN on `IdentityChannels.sessionsEnded`) at commit; payloads stay under the 8000
    /// byte NOTIFY limit.
    func notifySessionsEnded(_ ids: [UUID]) async throws {
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 150)]
            try await self.notify(
                IdentityChannels.sessionsEnded,
                chunk.map { $0.uuidString.lowercased() }.joined(separator: ",")
            )
            start += 150
        }
    }
}
