import Domain
import Foundation

extension PostgresClient {
    /// Runs `body` in a transaction whose row-level-security scope is `scope`: the organization, user and sites are
    /// set with `set_config(..., true)`, so they vanish at COMMIT/ROLLBACK and never leak to the next user of the
    /// pooled connection. Connect as `harvestry_service` (or set `Configuration.role`) for the policies to apply.
    public func transaction<T: Sendable>(
        scope: AccessScope,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await self.transaction { connection in
            try await connection.setScope(scope)
            return try await body(connection)
        }
    }
}

extension PostgresConnection {
    /// Sets the transaction-local request scope (inside a transaction; outside one it would last only for the
    /// statement).
    public func setScope(_ scope: AccessScope) async throws {
        try await self.setScope(
            organizationID: scope.organizationID,
            userID: scope.userID,
            siteIDs: scope.siteIDs
        )
    }

    /// Sets the transaction-local request scope from its parts; `siteIDs` empty means no site.
    public func setScope(organizationID: UUID?, userID: UUID?, siteIDs: Set<UUID>) async throws {
        let sites = "{" + siteIDs.map { $0.uuidString.lowercased() }.sorted().joined(separator: ",") + "}"
        try await self.query(
            """
            SELECT set_config('harvestry.organization_id', $1, true),
                   set_config('harvestry.user_id', $2, true),
                   set_config('harvestry.site_ids', $3, true)
            """,
            [
                SQLValue(organizationID?.uuidString.lowercased() ?? ""),
                SQLValue(userID?.uuidString.lowercased() ?? ""),
                SQLValue(sites),
            ]
        )
    }
}
