import Logging

/// Applies migrations in version order, each in its own transaction, and records them in `schema_migrations` with
/// their checksums. An applied migration whose SQL changed since is refused, naming the file; so is a database that
/// has migrations this build does not know. A session advisory lock serializes concurrent migrators.
public struct Migrator: Sendable {
    public var migrations: [Migration]
    public var logger: Logger

    /// Arbitrary, fixed: the advisory lock key for migrations.
    static let lockKey = 0x6876_6d69_6772

    public init(migrations: [Migration], logger: Logger = Logger(label: "harvestry.store.migrate")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies what is pending; returns the versions applied now (empty when up to date).
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock($1)", [SQLValue(Self.lockKey)])
            do {
                let applied = try await self.migrateLocked(connection)
                try await connection.query("SELECT pg_advisory_unlock($1)", [SQLValue(Self.lockKey)])
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [SQLValue(Self.lockKey)])
                throw error
            }
        }
    }

    private func migrateLocked(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        var recorded: [Int: (name: String, checksum: String)] = [:]
        for row in try await connection.query("SELECT version, name, checksum FROM schema_migrations") {
            recorded[try row.decode("version")] = (try row.decode("name"), try row.decode("checksum"))
        }
        let known = Set(self.migrations.map(\.version))
        if let unknown = recorded.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresError(
                code: .migration,
                message:
                    "the database has migration \(unknown) ('\(recorded[unknown]!.name)') that this build does not "
                    + "know; it was migrated by a newer version"
            )
        }
        for migration in self.migrations {
            if let existing = recorded[migration.version], existing.checksum != migration.checksum {
                throw PostgresError(
                    code: .migration,
                    message: "migration '\(migration.name)' was edited after it was applied (checksum "
                        + "\(existing.checksum.prefix(12))… recorded, \(migration.checksum.prefix(12))… now); "
                        + "add a new migration instead of changing an applied one"
                )
            }
        }
        var applied: [Int] = []
        for migration in self.migrations where recorded[migration.version] == nil {
            try await connection.transaction { connection in
                do {
                    try await connection.script(migration.sql)
                } catch var error as PostgresError {
                    error.code = .migration
                    error.message = "migration '\(migration.name)' failed: \(error.message)"
                    throw error
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [SQLValue(migration.version), SQLValue(migration.name), SQLValue(migration.checksum)]
                )
            }
            self.logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}
