import Foundation
import Store
import Synchronization
import Testing

extension EmbeddedPostgresTests {
    /// The LISTEN stream survives a server restart: it reconnects, LISTENs again, says so, and delivers
    /// notifications sent after the restart.
    @Test func listenReconnectsAfterServerRestart() async throws {
        let directory = TestDirectory.make("listen")
        defer { TestDirectory.remove(directory) }
        let server = EmbeddedPostgres(
            configuration: .init(dataDirectory: directory + "/postgres", durable: false),
            logger: TestDirectory.logger
        )
        do {
            let conninfo = try await server.start()
            let client = PostgresClient(
                configuration: .init(conninfo: conninfo, maximumConnections: 1),
                logger: TestDirectory.logger
            )
            defer { client.close() }
            let reconnects = Atomic<Int>(0)
            let notifications = try await client.notifications(channel: "revocations") {
                reconnects.add(1, ordering: .relaxed)
            }
            // The consumer runs throughout; the restart waits until it has `before` (a notification still unread
            // when the connection drops is lost with it, which is not what this test is about).
            let received = Payloads()
            try await withTimeout(seconds: 90) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in notifications {
                            received.append(notification.payload)
                            if notification.payload.hasPrefix("after") { break }
                        }
                    }
                    try await client.query("SELECT pg_notify('revocations', 'before')")
                    for _ in 0..<300 where received.all.isEmpty {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    try #require(received.all == ["before"], "the notification before the restart")
                    try await server.restart()
                    // After the restart, notify until the listener is back (bounded: 200 tries, 100 ms apart).
                    group.addTask {
                        for attempt in 0..<200 {
                            try await Task.sleep(for: .milliseconds(100))
                            _ = try? await client.query(
                                "SELECT pg_notify('revocations', $1)",
                                [SQLValue("after \(attempt)")]
                            )
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
            let payloads = received.all
            #expect(payloads.first == "before")
            #expect(payloads.last?.hasPrefix("after") == true)
            #expect(reconnects.load(ordering: .relaxed) >= 1)
        } catch {
            try? await server.stop()
            throw error
        }
        try? await server.stop()
    }
}

/// Payloads a consumer task collects while the test goes on.
private final class Payloads: Sendable {
    private let values = Mutex<[String]>([])
    func append(_ payload: String) { self.values.withLock { $0.append(payload) } }
    var all: [String] { self.values.withLock { $0 } }
}

extension PostgresIntegrationTests {
    /// Cancelling the task that awaits a long statement cancels it on the server (PQcancel): the call throws
    /// CancellationError promptly, the backend is idle again and the pooled connection is clean for the next user.
    @Test func cancellingTheTaskCancelsTheRunningStatement() async throws {
        try await withClient(maximumConnections: 1) { client in
            let pid = try await client.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
            let sleeper = Task {
                try await client.transaction { connection in
                    try await connection.query("SELECT pg_sleep(60)")
                }
            }
            // Wait (bounded) until the statement runs on the server, then cancel the task.
            let observer = PostgresClient(
                configuration: .init(conninfo: try testConninfo(), maximumConnections: 1),
                logger: TestDirectory.logger
            )
            defer { observer.close() }
            var running = false
            for _ in 0..<200 where !running {
                let state = try await observer.query(
                    "SELECT state, query FROM pg_stat_activity WHERE pid = $1",
                    [SQLValue(pid)]
                )
                running =
                    try state.first.map { row in
                        try row.decode("query", as: String.self).contains("pg_sleep")
                            && row.decode("state", as: String.self) == "active"
                    } ?? false
                if !running { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(running)
            sleeper.cancel()
            let result = await sleeper.result
            #expect(throws: CancellationError.self) { try result.get() }
            // The same (only) connection serves the next caller, outside any transaction.
            let after = try await client.query("SELECT pg_backend_pid() AS pid")
            #expect(try after[0].decode("pid", as: Int.self) == pid)
            // SAVEPOINT works only inside a transaction block: refused here means the rollback happened.
            let outside = try await #require(throws: PostgresError.self) {
                try await client.query("SAVEPOINT probe")
            }
            #expect(outside.sqlState == "25P01")
            let status = try await observer.query("SELECT state FROM pg_stat_activity WHERE pid = $1", [SQLValue(pid)])
            #expect(try status[0].decode("state", as: String.self) == "idle")
        }
    }
}
