import Domain
import Foundation

extension PostgresIdentityRepository {
    public func createUser(_ user: NewUser, in scope: AccessScope, audit: AuditContext) async throws -> User {
        try user.validate()
        try audit.validate()
        return try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO users (id, organization_id, email, display_name, status)
                    VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5)
                    RETURNING \(User.columns)
                    """,
                    [
                        SQLValue(user.id), SQLValue(scope.organizationID), SQLValue(user.email),
                        SQLValue(user.displayName), SQLValue(user.status.rawValue),
                    ]
                )
                let created = try User(row: rows[0])
                try await connection.audit(
                    user.status == .invited ? "user.invite" : "user.create",
                    resourceType: "user",
                    resourceID: created.id.uuidString.lowercased(),
                    siteID: nil,
                    details: ["email": created.email, "status": created.status.rawValue],
                    scope: scope,
                    context: audit
                )
                return created
            }
        }
    }

    public func user(_ id: UUID, in scope: AccessScope) async throws -> UserProfile {
        try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                guard let profile = try await connection.userProfile(id) else {
                    throw DomainError.notFound("user", id: id.uuidString.lowercased())
                }
                return profile
            }
        }
    }

    public func listUsers(in scope: AccessScope, page: PageRequest) async throws -> Page<User> {
        let after = try PageCursor.decode(page.token, parts: 1)?[0]
        return try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    "SELECT \(User.columns) FROM users WHERE ($1::text IS NULL OR email > $1) ORDER BY email LIMIT $2",
                    [SQLValue(after), SQLValue(page.size + 1)]
                )
                return PageCursor.page(try rows.map(User.init(row:)), size: page.size) { [$0.email] }
            }
        }
    }

    public func listUserProfiles(
        in scope: AccessScope,
        siteID: UUID?,
        page: PageRequest
    ) async throws
        -> Page<UserProfile>
    {
        let after = try PageCursor.decode(page.token, parts: 1)?[0]
        return try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(UserProfile.columns) FROM users u
                    WHERE ($1::text IS NULL OR u.email > $1)
                      AND ($3::uuid IS NULL
                           OR EXISTS (SELECT 1 FROM user_sites s WHERE s.user_id = u.id AND s.site_id = $3::uuid))
                    ORDER BY u.email LIMIT $2
                    """,
                    [SQLValue(after), SQLValue(page.size + 1), SQLValue(siteID)]
                )
                return PageCursor.page(try rows.map(UserProfile.init(row:)), size: page.size) { [$0.user.email] }
            }
        }
    }

    public func setUserStatus(
        _ id: UUID,
        status: UserStatus,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> User {
        try audit.validate()
        return try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    "UPDATE users SET status = $2 WHERE id = $1::uuid RETURNING \(User.columns)",
                    [SQLValue(id), SQLValue(status.rawValue)]
                )
                guard let row = rows.first else { throw DomainError.notFound("user", id: id.uuidString.lowercased()) }
                var details = ["status": status.rawValue]
                if status == .disabled {
                    let sessionIDs = try await connection.endOpenSessions(userID: id, reason: .revoked)
                    details["sessions_ended"] = String(sessionIDs.count)
                }
                try await connection.audit(
                    "user.set_status",
                    resourceType: "user",
                    resourceID: id.uuidString.lowercased(),
                    siteID: nil,
                    details: details,
                    scope: scope,
                    context: audit
                )
                return try User(row: row)
            }
        }
    }

    public func assignSite(userID: UUID, siteID: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try scope.require(site: siteID)
        try await self.changeMembership(
            "user.assign_site",
            sql: """
                INSERT INTO user_sites (organization_id, user_id, site_id) VALUES ($3::uuid, $1::uuid, $2::uuid)
                ON CONFLICT DO NOTHING RETURNING user_id
                """,
            userID: userID,
            value: SQLValue(siteID),
            details: ["site_id": siteID.uuidString.lowercased()],
            scope: scope,
            audit: audit
        )
    }

    public func unassignSite(userID: UUID, siteID: UUID, in scope: AccessScope, audit: AuditContext) async throws {
        try scope.require(site: siteID)
        try await self.changeMembership(
            "user.unassign_site",
            sql: "DELETE FROM user_sites WHERE user_id = $1::uuid AND site_id = $2::uuid AND $3::uuid IS NOT NULL "
                + "RETURNING user_id",
            userID: userID,
            value: SQLValue(siteID),
            details: ["site_id": siteID.uuidString.lowercased()],
            scope: scope,
            audit: audit
        )
    }

    public func assignRole(userID: UUID, role: Role, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.changeMembership(
            "user.assign_role",
            sql: """
                INSERT INTO user_roles (organization_id, user_id, role) VALUES ($3::uuid, $1::uuid, $2)
                ON CONFLICT DO NOTHING RETURNING user_id
                """,
            userID: userID,
            value: SQLValue(role.rawValue),
            details: ["role": role.rawValue],
            scope: scope,
            audit: audit
        )
    }

    public func unassignRole(userID: UUID, role: Role, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.changeMembership(
            "user.unassign_role",
            sql: "DELETE FROM user_roles WHERE user_id = $1::uuid AND role = $2 AND $3::uuid IS NOT NULL "
                + "RETURNING user_id",
            userID: userID,
            value: SQLValue(role.rawValue),
            details: ["role": role.rawValue],
            scope: scope,
            audit: audit
        )
    }

    /// Adds or removes a site or role of a user ($1 user, $2 the site or role, $3 the organization); writes the audit
    /// row only when something changed, so repeating it is a no-op.
    private func changeMembership(
        _ action: String,
        sql: String,
        userID: UUID,
        value: SQLValue,
        details: [String: String],
        scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try audit.validate()
        try await mappingErrors(resource: "user", table: "users") {
            try await self.client.transaction(scope: scope) { connection in
                try await connection.requireUser(userID)
                let changed = try await connection.query(
                    sql,
                    [SQLValue(userID), value, SQLValue(scope.organizationID)]
                )
                guard !changed.isEmpty else { return }
                try await connection.audit(
                    action,
                    resourceType: "user",
                    resourceID: userID.uuidString.lowercased(),
                    siteID: nil,
                    details: details,
                    scope: scope,
                    context: audit
                )
            }
        }
    }
}
