import CLibPQ
import Foundation
import Logging
import ProcessSupport
import ServiceLifecycle

/// A private PostgreSQL server for development and tests: initdb into `dataDirectory` on first use, start on a free
/// loopback port with the unix socket in the data directory, stop with `pg_ctl stop -m fast`.
///
/// A `postmaster.pid` left by a crashed run is handled: if its server is still running it is stopped first,
/// otherwise the stale file is removed. As root, initdb and postgres run as the `postgres` system user (Postgres
/// refuses to run as root) through `runuser`, and the data directory is chowned to that user.
public actor EmbeddedPostgres {
    public struct Configuration: Sendable {
        /// The cluster's data directory (created if missing); default `./.harvestry/postgres`.
        public var dataDirectory: String
        /// The database the server hosts for Harvestry (created on start if missing).
        public var database: String
        /// Where initdb, pg_ctl and postgres are; nil searches `/usr/lib/postgresql/15/bin` then `pg_config --bindir`.
        public var binDirectory: String?
        /// false turns off fsync: much faster, and fine for throwaway test clusters only.
        public var durable: Bool

        public init(
            dataDirectory: String = ".harvestry/postgres",
            database: String = "harvestry",
            binDirectory: String? = nil,
            durable: Bool = true
        ) {
            self.dataDirectory = dataDirectory
            self.database = database
            self.binDirectory = binDirectory
            self.durable = durable
        }
    }

    public let configuration: Configuration
    let logger: Logger
    let dataDirectory: String
    private(set) var port: Int?
    private var binDirectory: String?

    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "harvestry.postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.dataDirectory = absolutePath(configuration.dataDirectory)
    }

    /// A libpq connection string for the running server's database.
    public var conninfo: String {
        get throws {
            guard let port else {
                throw PostgresError(code: .embeddedServer, message: "the embedded server is not running")
            }
            return "host=127.0.0.1 port=\(port) user=postgres dbname=\(self.configuration.database) connect_timeout=10"
        }
    }

    /// The connection string for the services: the same database as `harvestry_service` (created by the
    /// migrations), which owns nothing and cannot bypass row-level security. Trust authentication on loopback and
    /// the private socket lets it log in without a password.
    public var serviceConninfo: String {
        get throws { try self.conninfo + " user=\(ServiceRole.name)" }
    }

    /// The same as a URL, e.g. for DATABASE_URL of a child process.
    public var url: String {
        get throws {
            guard let port else {
                throw PostgresError(code: .embeddedServer, message: "the embedded server is not running")
            }
            return "postgresql://postgres@127.0.0.1:\(port)/\(self.configuration.database)"
        }
    }

    /// Initializes the cluster if needed, starts the server, waits until it accepts connections and makes sure the
    /// database exists. Returns the connection string.
    @discardableResult
    public func start() async throws -> String {
        if self.port != nil { return try self.conninfo }
        let bin = try self.findBinaries()
        self.binDirectory = bin
        try self.prepareDirectory()
        if !FileManager.default.fileExists(atPath: self.dataDirectory + "/PG_VERSION") {
            self.logger.info("creating a private postgres cluster", metadata: ["data_dir": "\(self.dataDirectory)"])
            try await self.runAsServerUser(
                bin + "/initdb",
                ["-D", self.dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                what: "initdb"
            )
        }
        try await self.handleStalePidFile(bin: bin)
        let port = try Self.freeLoopbackPort()
        let options = self.serverOptions(port: port)
        try await self.runAsServerUser(
            bin + "/pg_ctl",
            [
                "start", "-D", self.dataDirectory, "-w", "-t", "60", "-l", self.dataDirectory + "/server.log", "-o",
                options,
            ],
            what: "pg_ctl start"
        )
        self.port = port
        let conninfo = "host=127.0.0.1 port=\(port) user=postgres dbname=postgres connect_timeout=10"
        try await self.waitUntilAccepting(conninfo)
        let admin = try await PostgresConnection.connect(conninfo, logger: self.logger)
        defer { admin.close() }
        let exists = try await admin.query(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [SQLValue(self.configuration.database)]
        )
        if exists.isEmpty {
            try await admin.script("CREATE DATABASE \(PostgresConnection.quoteIdentifier(self.configuration.database))")
        }
        self.logger.info(
            "embedded postgres is running",
            metadata: ["port": "\(port)", "data_dir": "\(self.dataDirectory)"]
        )
        return try self.conninfo
    }

    /// Stops the server (fast shutdown: open sessions are disconnected). Safe to call when not running.
    public func stop() async throws {
        guard self.port != nil, let bin = self.binDirectory else { return }
        try await self.runAsServerUser(
            bin + "/pg_ctl",
            ["stop", "-D", self.dataDirectory, "-m", "fast", "-w", "-t", "60"],
            what: "pg_ctl stop"
        )
        self.port = nil
        self.logger.info("embedded postgres stopped", metadata: ["data_dir": "\(self.dataDirectory)"])
    }

    /// Stops a server that an earlier, crashed process left running on this data directory (if any) without starting
    /// a new one; test harnesses use it to clean up after a killed run.
    public func stopAbandonedServer() async throws {
        guard self.port == nil else { return }
        try await self.handleStalePidFile(bin: try self.findBinaries())
    }

    /// The server's command-line settings: loopback only, its socket in the data directory, WAL room for
    /// telemetry ingest (checkpoints every few seconds at the default 1 GB max_wal_size under sustained load), and
    /// 300 connections (each instance holds pools for its services plus LISTEN connections for the realtime hub and
    /// the command dispatcher; the default 100 ran out with several instances and the test suite's parallel servers).
    func serverOptions(port: Int) -> String {
        var options = "-c listen_addresses=127.0.0.1 -p \(port) -k '\(self.dataDirectory)' -c max_connections=300"
        options += " -c max_wal_size=4GB -c checkpoint_timeout=15min"
        if !self.configuration.durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        return options
    }

    /// Stops and starts the server again on the same port (tests use this to prove reconnects).
    public func restart() async throws {
        guard let port, let bin = self.binDirectory else {
            throw PostgresError(code: .embeddedServer, message: "the embedded server is not running")
        }
        try await self.stop()
        let options = self.serverOptions(port: port)
        try await self.runAsServerUser(
            bin + "/pg_ctl",
            [
                "start", "-D", self.dataDirectory, "-w", "-t", "60", "-l", self.dataDirectory + "/server.log", "-o",
                options,
            ],
            what: "pg_ctl start"
        )
        self.port = port
    }
}

extension EmbeddedPostgres: Service {
    /// Starts the server, runs until graceful shutdown, then stops it.
    public func run() async throws {
        try await self.start()
        try? await gracefulShutdown()
        try await self.stop()
    }
}
