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

    @Option(help: "libpq URL or connection string of the database (env DATABASE_URL).")
    var databaseUrl: String?

    @Option(
        help:
            "Directory for the embedded server's data when no database URL is set (env HARVESTRY_DATA_DIR; default .harvestry)."
    )
    var dataDir: String?

    func run() async throws {
        let environment = Environment.current
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "harvestry.migrate")
        let migrations = try Migration.bundled()
        let url = self.databaseUrl ?? environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url {
            try await Self.migrate(conninfo: url, migrations: migrations, logger: logger)
            return
        }
        let dataDir = self.dataDir ?? environment["HARVESTRY_DATA_DIR"] ?? ".harvestry"
        let server = EmbeddedPostgres(configuration: .init(dataDirectory: dataDir + "/postgres"), logger: logger)
        do {
            let conninfo = try await server.start()
            try await Self.migrate(conninfo: conninfo, migrations: migrations, logger: logger)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    private static func migrate(conninfo: String, migrations: [Migration], logger: Logger) async throws {
        let client = PostgresClient(configuration: .init(conninfo: conninfo, maximumConnections: 1), logger: logger)
        defer { client.close() }
        let applied = try await Migrator(migrations: migrations, logger: logger).migrate(client)
        logger.info(
            applied.isEmpty ? "the database is up to date" : "migrations applied",
            metadata: ["applied": "\(applied)", "known": "\(migrations.count)"]
        )
    }
}
