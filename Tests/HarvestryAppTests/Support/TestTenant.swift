import Domain
import Foundation
import Store

/// An organization with sites and an admin who holds every site, a badge and the admin and manager roles; created
/// as the owner, since tenants come from provisioning, not from the API. Everything else a test needs it makes
/// through the RPCs.
struct TestTenant: Sendable {
    let organizationID: UUID
    let siteIDs: [UUID]
    let adminID: UUID
    let adminBadge: String

    func site(_ index: Int) -> String { "sites/" + self.siteIDs[index].uuidString.lowercased() }

    static func make(in database: AppDatabase, sites: Int = 2) async throws -> TestTenant {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let badge = "ADMIN-\(tag)"
        return try await database.owner.transaction { connection in
            let org = try await connection.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
                [SQLValue("org \(tag)")]
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
                VALUES ($1::uuid, $2, 'Ada Admin', 'active') RETURNING id
                """,
                [SQLValue(org), SQLValue("admin-\(tag)@example.com")]
            )[0].decode("id", as: UUID.self)
            for site in siteIDs {
                try await connection.query(
                    "INSERT INTO user_sites (organization_id, user_id, site_id) VALUES ($1::uuid, $2::uuid, $3::uuid)",
                    [SQLValue(org), SQLValue(admin), SQLValue(site)]
                )
            }
            for role in ["admin", "manager"] {
                try await connection.query(
                    "INSERT INTO user_roles (organization_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3)",
                    [SQLValue(org), SQLValue(admin), SQLValue(role)]
                )
            }
            try await connection.query(
                """
                INSERT INTO badges (organization_id, user_id, code_sha256, code_hint)
                VALUES ($1::uuid, $2::uuid, sha256(convert_to($3, 'UTF8')), right($3, 4))
                """,
                [SQLValue(org), SQLValue(admin), SQLValue(badge)]
            )
            return TestTenant(organizationID: org, siteIDs: siteIDs, adminID: admin, adminBadge: badge)
        }
    }
}
