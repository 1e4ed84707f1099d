import Domain
import Foundation

extension User {
    static let columns = "id, organization_id, email, display_name, status, created_at"

    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"),
            organizationID: try row.decode("organization_id"),
            email: try row.decode("email"),
            displayName: try row.decode("display_name"),
            status: try row.decodeEnum("status"),
            createdAt: try row.decode("created_at")
        )
    }
}

extension Badge {
    static let columns = "id, organization_id, user_id, code_hint, status, issued_at, revoked_at"

    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"),
            organizationID: try row.decode("organization_id"),
            userID: try row.decode("user_id"),
            codeHint: try row.decode("code_hint"),
            status: try row.decodeEnum("status"),
            issuedAt: try row.decode("issued_at"),
            revokedAt: try row.decode("revoked_at")
        )
    }
}

extension DeviceSession {
    static let columns = """
        id, organization_id, user_id, badge_id, device_id, started_at, last_activity_at, ended_at, end_reason,
        (extract(epoch FROM started_at) * 1000000)::bigint AS started_us
        """

    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"),
            organizationID: try row.decode("organization_id"),
            userID: try row.decode("user_id"),
            badgeID: try row.decode("badge_id"),
            deviceID: try row.decode("device_id"),
            startedAt: try row.decode("started_at"),
            lastActivityAt: try row.decode("last_activity_at"),
            endedAt: try row.decode("ended_at"),
            endReason: try row.decodeEnum("end_reason", as: SessionEndReason?.self)
        )
    }
}

extension UserProfile {
    /// A user's columns (of `users u`) with their roles and sites, each as an array aggregated in the same row.
    static let columns = """
        u.id, u.organization_id, u.email, u.display_name, u.status, u.created_at,
        ARRAY(SELECT r.role FROM user_roles r WHERE r.user_id = u.id ORDER BY r.role)::text AS roles,
        ARRAY(SELECT s.site_id FROM user_sites s WHERE s.user_id = u.id ORDER BY s.site_id)::text AS sites
        """

    init(row: PostgresRow) throws {
        self.init(
            user: try User(row: row),
            roles: try PostgresConnection.textArray(try row.decode("roles")).map { raw in
                guard let role = Role(rawValue: raw) else {
                    throw PostgresError(code: .decoding, message: "unknown role '\(raw)'")
                }
                return role
            },
            siteIDs: try PostgresConnection.textArray(try row.decode("sites")).map { raw in
                guard let id = UUID(uuidString: raw) else {
                    throw PostgresError(code: .decoding, message: "bad site id '\(raw)'")
                }
                return id
            }
        )
    }
}

extension PostgresConnection {
    /// The user with roles and sites, or nil when not visible in the transaction's scope.
    func userProfile(_ id: UUID) async throws -> UserProfile? {
        let rows = try await self.query(
            "SELECT \(UserProfile.columns) FROM users u WHERE u.id = $1::uuid",
            [SQLValue(id)]
        )
        return try rows.first.map(UserProfile.init(row:))
    }

    /// Parses a one-dimensional array literal of plain elements (uuids, role names): `{a,b}`.
    static func textArray(_ literal: String) throws -> [String] {
        guard literal.hasPrefix("{"), literal.hasSuffix("}") else {
            throw PostgresError(code: .decoding, message: "not an array literal: '\(literal.prefix(40))'")
        }
        let body = literal.dropFirst().dropLast()
        return body.isEmpty ? [] : body.split(separator: ",").map(String.init)
    }

    /// NOTIFY after commit: `pg_notify` delivers only if the transaction commits.
    func notify(_ channel: String, _ payload: String) async throws {
        try await self.query("SELECT pg_notify($1, $2)", [SQLValue(channel), SQLValue(payload)])
    }
}
