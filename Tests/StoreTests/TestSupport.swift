import Foundation
import Logging
import Store
import Testing

/// One embedded cluster for the integration suite: started before its first test, stopped (and its directory
/// removed) after its last, so no server outlives the test process's suite run.
struct EmbeddedPostgresTrait: SuiteTrait, TestScoping {
    @TaskLocal static var conninfo: String?
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
            let conninfo = try await server.start()
            try await Self.$conninfo.withValue(conninfo) { try await function() }
        } catch {
            try? await server.stop()
            TestDirectory.remove(directory)
            throw error
        }
        try await server.stop()
        TestDirectory.remove(directory)
    }
}

extension Trait where Self == EmbeddedPostgresTrait {
    /// Runs the suite against a private Postgres started by the product's own launcher.
    static var embeddedPostgres: Self { Self() }
}

enum TestDirectory {
    static let logger: Logger = {
        var logger = Logger(label: "store-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A fresh directory under /tmp (every ancestor is traversable by the postgres user when tests run as root).
    static func make(_ label: String) -> String {
        let path = "/tmp/harvestry-store-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    /// Stops servers and removes directories left by test processes that were killed before they cleaned up (the
    /// directory names carry the owning pid).
    static func reapAbandoned() async {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix("harvestry-store-") {
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

/// The suite's cluster connection string, and a pool over it.
func testConninfo() throws -> String {
    try #require(EmbeddedPostgresTrait.conninfo, "the suite must carry the .embeddedPostgres trait")
}

func withClient<T: Sendable>(
    maximumConnections: Int = 4,
    _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(
        configuration: .init(conninfo: try testConninfo(), maximumConnections: maximumConnections),
        logger: TestDirectory.logger
    )
    defer { client.close() }
    return try await body(client)
}

/// A table name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
}

struct TimedOut: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "timed out after \(self.seconds) s" }
}

/// Fails with `TimedOut` when `body` takes longer than `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let value = first else { throw TimedOut(seconds: seconds) }
        return value
    }
}
