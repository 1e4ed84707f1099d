import Foundation
import Logging
import Store
import SwiftProtobuf
import Testing

/// One embedded, migrated cluster for a suite: started before its first test, stopped (and its directory removed)
/// after its last. Tests share the database and isolate themselves with their own organization (`TestTenant`).
struct AppDatabaseTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: AppDatabase?
    let isRecursive = false

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        await TestDirectory.reapAbandoned()
        let directory = TestDirectory.make("cluster")
        let server = EmbeddedPostgres(
            configuration: .init(dataDirectory: directory + "/postgres", durable: false),
            logger: TestDirectory.logger
        )
        do {
            let owner = try await server.start()
            let ownerClient = PostgresClient(
                configuration: .init(conninfo: owner, maximumConnections: 2),
                logger: TestDirectory.logger
            )
            defer { ownerClient.close() }
            try await Migrator(migrations: try Migration.bundled(), logger: TestDirectory.logger).migrate(ownerClient)
            let database = AppDatabase(
                directory: directory,
                ownerConninfo: owner,
                serviceConninfo: try await server.serviceConninfo,
                owner: ownerClient
            )
            try await Self.$current.withValue(database) { try await function() }
        } catch {
            try? await server.stop()
            TestDirectory.remove(directory)
            throw error
        }
        try await server.stop()
        TestDirectory.remove(directory)
    }
}

extension Trait where Self == AppDatabaseTrait {
    /// Runs the suite against a private, migrated Postgres started by the product's own launcher.
    static var appDatabase: Self { Self() }
}

struct AppDatabase: Sendable {
    let directory: String
    /// The migrating superuser: creates tenants (the service role cannot) and checks what was written.
    let ownerConninfo: String
    /// `harvestry_service`, as the servers connect.
    let serviceConninfo: String
    let owner: PostgresClient

    static func current() throws -> AppDatabase {
        try #require(AppDatabaseTrait.current, "the suite must carry the .appDatabase trait")
    }
}

enum TestDirectory {
    static let logger: Logger = {
        var logger = Logger(label: "app-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A fresh directory under /tmp (every ancestor is traversable by the postgres user when tests run as root).
    static func make(_ label: String) -> String {
        let path = "/tmp/harvestry-app-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    /// Stops servers and removes directories of test processes that were killed before they cleaned up.
    static func reapAbandoned() async {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix("harvestry-app-") {
            let parts = entry.split(separator: "-")
            guard parts.count == 5, let pid = Int32(parts[3]), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else {
                continue
            }
            let path = "/tmp/" + entry
            let server = EmbeddedPostgres(configuration: .init(dataDirectory: path + "/postgres"), logger: logger)
            try? await server.stopAbandonedServer()
            Self.remove(path)
        }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
