import Foundation
import Store
import Testing

/// Launcher behaviour that needs a cluster of its own (restarts would disturb the shared one).
@Suite(.timeLimit(.minutes(2)))
struct EmbeddedPostgresTests {
    @Test func poolReconnectsAfterRestartAndStalePidFileIsHandled() async throws {
        let directory = TestDirectory.make("restart")
        defer { TestDirectory.remove(directory) }
        let data = directory + "/postgres"
        let server = EmbeddedPostgres(
            configuration: .init(dataDirectory: data, durable: false),
            logger: TestDirectory.logger
        )
        do {
            let conninfo = try await server.start()
            let client = PostgresClient(
                configuration: .init(conninfo: conninfo, maximumConnections: 2),
                logger: TestDirectory.logger
            )
            defer { client.close() }
            let before = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)

            try await server.restart()
            // The pooled connection died with the old server; the health check reconnects it.
            let after = try await withTimeout(seconds: 30) {
                try await client.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
            }
            #expect(after != before)
            try await server.stop()

            // With the server down a query fails promptly with a connection error instead of hanging.
            let down = try await #require(throws: PostgresError.self) {
                try await withTimeout(seconds: 20) { try await client.query("SELECT 1") }
            }
            #expect(down.code == .connection)

            // A crash leaves postmaster.pid behind; a pid that is not a running postgres must not block the start.
            try "999999\n\(data)\n".write(toFile: data + "/postmaster.pid", atomically: true, encoding: .utf8)
            let again = try await server.start()
            let client2 = PostgresClient(
                configuration: .init(conninfo: again, maximumConnections: 1),
                logger: TestDirectory.logger
            )
            defer { client2.close() }
            #expect(try await client2.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)

            // A second launcher on the same directory finds the first one's server running and takes over.
            let successor = EmbeddedPostgres(
                configuration: .init(dataDirectory: data, durable: false),
                logger: TestDirectory.logger
            )
            let third = try await successor.start()
            let client3 = PostgresClient(
                configuration: .init(conninfo: third, maximumConnections: 1),
                logger: TestDirectory.logger
            )
            defer { client3.close() }
            #expect(try await client3.query("SELECT 2 AS two")[0].decode("two", as: Int.self) == 2)
            try await successor.stop()
        } catch {
            try? await server.stop()
            throw error
        }
        try? await server.stop()
    }

    @Test func missingBinariesSayHowToInstallThem() async throws {
        let directory = TestDirectory.make("nobin")
        defer { TestDirectory.remove(directory) }
        let server = EmbeddedPostgres(
            configuration: .init(dataDirectory: directory + "/postgres", binDirectory: directory + "/bin"),
            logger: TestDirectory.logger
        )
        let error = try await #require(throws: PostgresError.self) { try await server.start() }
        #expect(error.code == .embeddedServer)
        #expect(error.message.contains("scripts/bootstrap") && error.message.contains("apt-get install postgresql-15"))
    }
}
