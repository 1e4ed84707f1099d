import ArgumentParser
import Logging
import Store

/// `--database-url` / `--data-dir`, shared by the commands that need the database (migrate, audit, seed).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "libpq URL or connection string of the database (env DATABASE_URL).")
    var databaseUrl: String?

    @Option(
        help:
            "Directory for the embedded server's data when no database URL is set (env HARVESTRY_DATA_DIR; default .harvestry)."
    )
    var dataDir: String?

    /// Runs `body` with the owner's connection string: DATABASE_URL when set, otherwise the embedded server in the
    /// data directory, started before and stopped after.
    func withOwnerConninfo<T: Sendable>(
        logger: Logger,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let environment = Environment.current
        if let url = self.databaseUrl ?? environment["DATABASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return try await body(url)
        }
        let dataDir = self.dataDir ?? environment["HARVESTRY_DATA_DIR"] ?? ".harvestry"
        let server = EmbeddedPostgres(configuration: .init(dataDirectory: dataDir + "/postgres"), logger: logger)
        let value: T
        do {
            value = try await body(try await server.start())
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
        return value
    }
}

/// Logs at info and above to stderr: the commands' output is for people at a terminal.
func bootstrapCommandLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .info
        return handler
    }
}
