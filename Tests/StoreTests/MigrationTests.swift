import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// A database of its own, so migrations start from nothing.
    func withFreshDatabase<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let name = uniqueName("migrations")
        try await withClient { admin in
            try await admin.withConnection { connection in
                // CREATE DATABASE takes no parameters; the name is generated, never user input.
                try await connection.script("CREATE DATABASE \(name)")
            }
        }
        let client = PostgresClient(
            configuration: .init(conninfo: try testConninfo() + " dbname=\(name)", maximumConnections: 2),
            logger: TestDirectory.logger
        )
        defer { client.close() }
        return try await body(client)
    }

    @Test func bundledMigrationsApplyThenRerunAsNoOp() async throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.name == "0001_organizations_sites.sql")
        try await withFreshDatabase { client in
            let migrator = Migrator(migrations: migrations, logger: TestDirectory.logger)
            #expect(try await migrator.migrate(client) == migrations.map(\.version))
            #expect(try await migrator.migrate(client) == [])
            let org = try await client.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id::text AS id",
                ["Denver Grow Co."]
            )
            let id = try org[0].decode("id", as: String.self)
            try await client.query(
                "INSERT INTO sites (organization_id, name) VALUES ($1::uuid, $2)",
                [SQLValue(id), "Pilot"]
            )
            let recorded = try await client.query("SELECT version, checksum FROM schema_migrations ORDER BY version")
            #expect(try recorded.map { try $0.decode("checksum", as: String.self) } == migrations.map(\.checksum))
        }
    }

    @Test func migrationsApplyInOrderEachInATransaction() async throws {
        try await withFreshDatabase { client in
            let good = Migration(version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (id int);")
            let bad = Migration(version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (id int); SELECT * FROM nowhere;")
            let error = try await #require(throws: PostgresError.self) {
                try await Migrator(migrations: [bad, good], logger: TestDirectory.logger).migrate(client)
            }
            #expect(error.code == .migration)
            #expect(error.message.contains("0002_b.sql"))
            #expect(error.sqlState == "42P01")
            // 0001 stayed applied, 0002 left nothing behind.
            let tables = try await client.query(
                "SELECT table_name AS t FROM information_schema.tables WHERE table_name IN ('a', 'b') ORDER BY 1"
            )
            #expect(try tables.map { try $0.decode("t", as: String.self) } == ["a"])
            let fixed = Migration(version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (id int);")
            #expect(try await Migrator(migrations: [good, fixed], logger: TestDirectory.logger).migrate(client) == [2])
        }
    }

    @Test func editedAppliedMigrationIsRefused() async throws {
        try await withFreshDatabase { client in
            let original = Migration(version: 1, name: "0001_sites.sql", sql: "CREATE TABLE s (id int);")
            let next = Migration(version: 2, name: "0002_more.sql", sql: "CREATE TABLE t (id int);")
            try await Migrator(migrations: [original], logger: TestDirectory.logger).migrate(client)
            let tampered = Migration(version: 1, name: "0001_sites.sql", sql: "CREATE TABLE s (id bigint);")
            let error = try await #require(throws: PostgresError.self) {
                try await Migrator(migrations: [tampered, next], logger: TestDirectory.logger).migrate(client)
            }
            #expect(error.code == .migration)
            #expect(error.message.contains("0001_sites.sql") && error.message.contains("edited"))
            // Nothing after the refusal ran.
            let t = try await client.query("SELECT to_regclass('t') IS NULL AS absent")
            #expect(try t[0].decode("absent", as: Bool.self))
            // A database migrated by a newer build is refused too.
            let unknown = try await #require(throws: PostgresError.self) {
                try await Migrator(migrations: [], logger: TestDirectory.logger).migrate(client)
            }
            #expect(unknown.message.contains("0001_sites.sql"))
        }
    }
}
