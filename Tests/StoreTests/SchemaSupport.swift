import Domain
import Foundation
import Store
import Testing

/// A freshly migrated database of its own: `owner` is the migrating superuser, `service` connects as
/// `harvestry_service` (RLS applies), as the services do.
struct MigratedDatabase: Sendable {
    let name: String
    let owner: PostgresClient
    let service: PostgresClient

    var identity: PostgresIdentityRepository { PostgresIdentityRepository(client: self.service) }
    var spatial: PostgresSpatialRepository { PostgresSpatialRepository(client: self.service) }
}

func withMigratedDatabase<T: Sendable>(_ body: (MigratedDatabase) async throws -> T) async throws -> T {
    let name = uniqueName("schema")
    try await withClient { admin in
        try await admin.withConnection { connection in
            // CREATE DATABASE takes no parameters; the name is generated, never user input.
            try await connection.script("CREATE DATABASE \(name)")
        }
    }
    let base = try testConninfo() + " dbname=\(name)"
    let owner = PostgresClient(
        configuration: .init(conninfo: base, maximumConnections: 2),
        logger: TestDirectory.logger
    )
    defer { owner.close() }
    try await Migrator(migrations: try Migration.bundled(), logger: TestDirectory.logger).migrate(owner)
    let service = PostgresClient(
        configuration: .init(conninfo: base + " user=\(ServiceRole.name)", maximumConnections: 4),
        logger: TestDirectory.logger
    )
    defer { service.close() }
    return try await body(MigratedDatabase(name: name, owner: owner, service: service))
}

/// An organization with sites, created as the owner (the service role cannot create tenants), and an admin user in
/// it whose scope covers all its sites.
struct TestTenant: Sendable {
    let organizationID: UUID
    let siteIDs: [UUID]
    let adminID: UUID

    var scope: AccessScope {
        AccessScope(
            organizationID: self.organizationID,
            userID: self.adminID,
            siteIDs: Set(self.siteIDs),
            roles: ["admin"]
        )
    }

    /// The admin's scope narrowed to one site.
    func scope(site: UUID) -> AccessScope {
        AccessScope(organizationID: self.organizationID, userID: self.adminID, siteIDs: [site], roles: ["admin"])
    }

    static func make(
        in db: MigratedDatabase,
        sites: Int = 2,
        name: String = uniqueName("org")
    ) async throws -> TestTenant {
        try await db.owner.transaction { connection in
            let org = try await connection.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
                [SQLValue(name)]
            )[0].decode("id", as: UUID.self)
            var siteIDs: [UUID] = []
            for index in 0..<sites {
                siteIDs.append(
                    try await connection.query(
                        "INSERT INTO sites (organization_id, name) VALUES ($1::uuid, $2) RETURNING id",
                        [SQLValue(org), SQLValue("site \(index)")]
                    )[0].decode("id", as: UUID.self)
                )
            }
            let admin = try await connection.query(
                """
                INSERT INTO users (organization_id, email, display_name, status)
                VALUES ($1::uuid, $2, 'Admin', 'active') RETURNING id
                """,
                [SQLValue(org), SQLValue("admin@\(name).example")]
            )[0].decode("id", as: UUID.self)
            for site in siteIDs {
                try await connection.query(
                    "INSERT INTO user_sites (organization_id, user_id, site_id) VALUES ($1::uuid, $2::uuid, $3::uuid)",
                    [SQLValue(org), SQLValue(admin), SQLValue(site)]
                )
            }
            try await connection.query(
                "INSERT INTO user_roles (organization_id, user_id, role) VALUES ($1::uuid, $2::uuid, 'admin')",
                [SQLValue(org), SQLValue(admin)]
            )
            return TestTenant(organizationID: org, siteIDs: siteIDs, adminID: admin)
        }
    }
}
