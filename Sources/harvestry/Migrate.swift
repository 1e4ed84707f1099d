import ArgumentParser
import Logging
import Store

/// `harvestry migrate`: applies pending schema migrations, to DATABASE_URL or to the embedded server.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations.",
        discussion: """
            With --database-url (or DATABASE_URL) it migrates that database. Without one it starts the embedded \
            PostgreSQL in --data-dir, migrates it and stops it again.
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        bootstrapCommandLogging()
        let logger = Logger(label: "harvestry.migrate")
        try await self.database.withOwnerConninfo(logger: logger) { conninfo in
            try await Self.migrate(conninfo: conninfo, logger: logger)
        }
    }

    static func migrate(conninfo: String, logger: Logger) async throws {
        let migrations = try Migration.bundled()
        let client = PostgresClient(configuration: .init(conninfo: conninfo, maximumConnections: 1), logger: logger)
        defer { client.close() }
        let applied = try await Migrator(migrations: migrations, logger: logger).migrate(client)
        logger.info(
            applied.isEmpty ? "the database is up to date" : "migrations applied",
            metadata: ["applied": "\(applied)", "known": "\(migrations.count)"]
        )
    }
}
