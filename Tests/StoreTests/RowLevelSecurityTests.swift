import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// Raw SQL as harvestry_service, with no application filters at all: the database alone keeps each request
    /// inside its scope, and the role can neither switch RLS off nor touch audit rows.
    @Test func serviceRoleCannotCrossSitesWithRawSQL() async throws {
        try await withMigratedDatabase { db in
            _ = try await PilotSeed.load(db.owner)
            let other = try await TestTenant.make(in: db, sites: 2)
            // Rows in the other tenant's first site, written as the owner.
            try await db.owner.transaction { connection in
                let room = try await connection.query(
                    "INSERT INTO rooms (site_id, code, name, room_type) VALUES ($1::uuid, 'X-1', 'Other', 'veg') "
                        + "RETURNING id",
                    [SQLValue(other.siteIDs[0])]
                )[0].decode("id", as: UUID.self)
                try await connection.query(
                    "INSERT INTO zones (site_id, room_id, code, name) VALUES ($1::uuid, $2::uuid, 'X-1-Z1', 'Z')",
                    [SQLValue(other.siteIDs[0]), SQLValue(room)]
                )
            }
            let pilot = AccessScope(
                organizationID: PilotSeed.organizationID,
                userID: PilotSeed.people[0].id,
                siteIDs: [PilotSeed.siteID],
                roles: ["operator"]
            )
            let siteTables = [
                "rooms", "zones", "racks", "bins", "inventory_locations", "equipment", "equipment_calibrations",
                "device_health", "valve_zone_mappings", "strains", "batches", "sops", "trainings", "assignments",
                "signoffs",
            ]
            try await db.service.withConnection { connection in
                // The role itself.
                let role = try await connection.query(
                    """
                    SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
                        (SELECT count(*) FROM pg_class WHERE relowner = r.oid) AS owned
                    FROM pg_roles r WHERE rolname = current_user
                    """
                )[0]
                #expect(try role.decode("rolsuper", as: Bool.self) == false)
                #expect(try role.decode("rolbypassrls", as: Bool.self) == false)
                #expect(try role.decode("rolcreaterole", as: Bool.self) == false)
                #expect(try role.decode("owned", as: Int.self) == 0)

                // No scope: nothing is visible.
                for table in siteTables + [
                    "users", "badges", "device_sessions", "sites", "organizations", "audit_logs",
                ] {
                    let n = try await connection.query("SELECT count(*) AS n FROM \(table)")[0].decode(
                        "n",
                        as: Int.self
                    )
                    #expect(n == 0, "\(table) visible without a scope")
                }

                try await connection.transaction { connection in
                    try await connection.setScope(pilot)
                    // Reads: a bare SELECT sees the pilot site only.
                    for table in siteTables {
                        let rows = try await connection.query(
                            "SELECT count(*) FILTER (WHERE site_id <> $1::uuid) AS foreign, count(*) AS n FROM \(table)",
                            [SQLValue(PilotSeed.siteID)]
                        )[0]
                        #expect(try rows.decode("foreign", as: Int.self) == 0, "\(table) leaks another site")
                    }
                    #expect(
                        try await connection.query("SELECT count(*) AS n FROM rooms")[0].decode("n", as: Int.self) == 2
                    )
                    let users = try await connection.query(
                        "SELECT count(*) FILTER (WHERE organization_id <> $1::uuid) AS foreign FROM users",
                        [SQLValue(PilotSeed.organizationID)]
                    )
                    #expect(try users[0].decode("foreign", as: Int.self) == 0)
                    // Writes: an unfiltered UPDATE/DELETE only reaches the pilot site's rows.
                    let renamed = try await connection.query("UPDATE zones SET name = name || '' RETURNING site_id")
                    #expect(try renamed.allSatisfy { try $0.decode("site_id", as: UUID.self) == PilotSeed.siteID })
                    #expect(renamed.count == 10)
                    let deleted = try await connection.query(
                        "DELETE FROM zones WHERE site_id = $1::uuid RETURNING id",
                        [SQLValue(other.siteIDs[0])]
                    )
                    #expect(deleted.isEmpty)
                }
                // Inserting into, or moving a row to, another site violates the policy.
                for sql in [
                    "INSERT INTO rooms (site_id, code, name, room_type) VALUES ($1::uuid, 'EVIL', 'Evil', 'veg')",
                    "UPDATE rooms SET site_id = $1::uuid",
                    "INSERT INTO strains (site_id, name, strain_type) VALUES ($1::uuid, 'Evil', 'hybrid')",
                ] {
                    let error = try await #require(throws: PostgresError.self, "\(sql)") {
                        try await connection.transaction { connection in
                            try await connection.setScope(pilot)
                            try await connection.query(sql, [SQLValue(other.siteIDs[0])])
                        }
                    }
                    #expect(error.sqlState == "42501" || error.sqlState == "23503", "\(sql): \(error)")
                }
                // No way around the policies, and audit rows are append-only.
                for sql in [
                    "SET row_security = off; SELECT * FROM rooms",
                    "ALTER TABLE rooms DISABLE ROW LEVEL SECURITY",
                    "ALTER TABLE rooms NO FORCE ROW LEVEL SECURITY",
                    "DROP POLICY rooms_scope ON rooms",
                    "SET ROLE postgres",
                    "UPDATE audit_logs SET details = 'forged'",
                    "DELETE FROM audit_logs",
                    "TRUNCATE audit_logs",
                    "DELETE FROM audit_chain_heads",
                    "SELECT * FROM schema_migrations",
                    "CREATE TABLE sneaky (id int)",
                    "CREATE FUNCTION public.sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                    "INSERT INTO sites (organization_id, name) VALUES (gen_random_uuid(), 'x')",
                    "INSERT INTO organizations (name) VALUES ('x')",
                ] {
                    let error = try await #require(throws: PostgresError.self, "\(sql)") {
                        try await connection.transaction { connection in
                            try await connection.setScope(pilot)
                            try await connection.script(sql)
                        }
                    }
                    #expect(error.sqlState == "42501", "\(sql): \(error)")
                }
            }
            // As the owner: the other site is untouched.
            let zones = try await db.owner.query(
                "SELECT count(*) AS n FROM zones WHERE site_id = $1::uuid",
                [SQLValue(other.siteIDs[0])]
            )
            #expect(try zones[0].decode("n", as: Int.self) == 1)
            #expect(try await AuditVerifier().verify(db.owner).fault == nil)
        }
    }
}

extension PostgresIntegrationTests {
    /// One-URL deployments: the pool logs in as the owner and switches to harvestry_service on every connection,
    /// after which the owner's rights are gone and RLS applies.
    @Test func poolRoleSwitchAppliesRowLevelSecurity() async throws {
        try await withMigratedDatabase { db in
            _ = try await PilotSeed.load(db.owner)
            let switched = PostgresClient(
                configuration: .init(
                    conninfo: try testConninfo() + " dbname=\(db.name)",
                    maximumConnections: 1,
                    role: ServiceRole.name
                ),
                logger: TestDirectory.logger
            )
            defer { switched.close() }
            let who = try await switched.query("SELECT current_user AS who, (SELECT count(*) FROM rooms) AS rooms")
            #expect(try who[0].decode("who", as: String.self) == ServiceRole.name)
            #expect(try who[0].decode("rooms", as: Int.self) == 0)
            let scoped = try await switched.transaction(
                scope: AccessScope(
                    organizationID: PilotSeed.organizationID,
                    userID: PilotSeed.people[0].id,
                    siteIDs: [PilotSeed.siteID],
                    roles: []
                )
            ) { connection in
                try await connection.query("SELECT count(*) AS n FROM rooms")[0].decode("n", as: Int.self)
            }
            #expect(scoped == 2)
            let error = try await #require(throws: PostgresError.self) {
                try await switched.query("UPDATE audit_logs SET details = ''")
            }
            #expect(error.sqlState == "42501")
        }
    }
}
