import Logging
import Store

/// Where `harvestry serve` keeps its state: an external database, or the embedded one in the data directory.
public struct DataConfiguration: Sendable, Hashable {
    /// `DATABASE_URL` / `--database-url`; nil runs the embedded server.
    public var databaseURL: String?
    /// `--data-dir` / `HARVESTRY_DATA_DIR`: the embedded cluster (`postgres/`) and the token key file live here.
    public var dataDirectory: String
    /// Apply pending migrations on start (`--no-migrate` turns it off).
    public var migrate: Bool
    /// `--token-key` / `HARVESTRY_TOKEN_KEY`; nil uses `<data dir>/token.key`.
    public var tokenSecret: String?
    public var maximumConnections: Int

    public init(
        databaseURL: String? = nil,
        dataDirectory: String = ".harvestry",
        migrate: Bool = true,
        tokenSecret: String? = nil,
        maximumConnections: Int = 8
    ) {
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
        self.migrate = migrate
        self.tokenSecret = tokenSecret
        self.maximumConnections = maximumConnections
    }

    /// The token key: the configured secret, or the data directory's key file (created on first use).
    public func tokenKey() throws(TokenKeyError) -> [UInt8] {
        if let secret = self.tokenSecret { return try TokenKey.fromSecret(secret) }
        return try TokenKey.loadOrCreate(inDirectory: self.dataDirectory)
    }
}

/// The database the services use: a pool connected as `harvestry_service` (no RLS bypass), opened after the
/// embedded server (if any) started and the migrations ran; `close()` closes the pool and stops the embedded server.
public final class HarvestryDatabase: Sendable {
    public let client: PostgresClient
    private let embedded: EmbeddedPostgres?
    private let logger: Logger

    private init(client: PostgresClient, embedded: EmbeddedPostgres?, logger: Logger) {
        self.client = client
        self.embedded = embedded
        self.logger = logger
    }

    public static func open(_ configuration: DataConfiguration, logger: Logger) async throws -> HarvestryDatabase {
        if let url = configuration.databaseURL {
            if configuration.migrate { try await Self.migrate(conninfo: url, logger: logger) }
            let client = PostgresClient(
                configuration: .init(
                    conninfo: url,
                    maximumConnections: configuration.maximumConnections,
                    role: ServiceRole.name
                ),
                logger: logger
            )
            try await Self.probe(client)
            return HarvestryDatabase(client: client, embedded: nil, logger: logger)
        }
        let server = EmbeddedPostgres(
            configuration: .init(dataDirectory: configuration.dataDirectory + "/postgres"),
            logger: logger
        )
        do {
            let owner = try await server.start()
            if configuration.migrate { try await Self.migrate(conninfo: owner, logger: logger) }
            let client = PostgresClient(
                configuration: .init(
                    conninfo: try await server.serviceConninfo,
                    maximumConnections: configuration.maximumConnections
                ),
                logger: logger
            )
            try await Self.probe(client)
            return HarvestryDatabase(client: client, embedded: server, logger: logger)
        } catch {
            try? await server.stop()
            throw error
        }
    }

    /// Fails at startup, not at the first call, when the service role cannot use the database (most often: not
    /// migrated, so `harvestry_service` does not exist yet).
    private static func probe(_ client: PostgresClient) async throws {
        do {
            _ = try await client.query("SELECT count(*) FROM roles")
        } catch {
            client.close()
            throw DatabaseUnusable(
                message: "the services cannot use the database as \(ServiceRole.name) (\(error)); "
                    + "is it migrated? Run `harvestry migrate` or start without --no-migrate"
            )
        }
    }

    private static func migrate(conninfo: String, logger: Logger) async throws {
        let owner = PostgresClient(configuration: .init(conninfo: conninfo, maximumConnections: 1), logger: logger)
        defer { owner.close() }
        let migrations = try Migration.bundled()
        let applied = try await Migrator(migrations: migrations, logger: logger).migrate(owner)
        logger.info(
            applied.isEmpty ? "the database is up to date" : "migrations applied",
            metadata: ["applied": "\(applied)", "known": "\(migrations.count)"]
        )
    }

    /// Closes the pool and stops the embedded server, if this process started one.
    public func close() async {
        self.client.close()
        guard let embedded = self.embedded else { return }
        do {
            try await embedded.stop()
        } catch {
            self.logger.error("stopping embedded postgres failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The database is reachable but the services cannot work in it.
public struct DatabaseUnusable: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { self.message }
}
