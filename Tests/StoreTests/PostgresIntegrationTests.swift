import Foundation
import Store
import Synchronization
import Testing

/// Everything that needs a server, against one private cluster from `EmbeddedPostgres`.
@Suite(.embeddedPostgres, .timeLimit(.minutes(2)))
struct PostgresIntegrationTests {
    @Test(arguments: [
        "plain", "", "it's", "'; DROP TABLE bindings; --", "Robert'); DELETE FROM bindings; --", "$1 $2 \\x00",
        "tab\tnew\nline\r\\back", "ünïcødé 🌱 漢字",
    ])
    func stringBindingRoundTrips(value: String) async throws {
        try await withClient { client in
            let table = uniqueName("bindings")
            try await client.query("CREATE TABLE \(table) (id serial PRIMARY KEY, value text)")
            try await client.query("INSERT INTO \(table) (value) VALUES ($1)", [SQLValue(value)])
            let rows = try await client.query("SELECT value FROM \(table) WHERE value = $1", [SQLValue(value)])
            #expect(rows.count == 1)
            #expect(try rows[0].decode("value", as: String.self) == value)
            // The injection-looking strings were data: the table is still there with its one row.
            let count = try await client.query("SELECT count(*) AS n FROM \(table)")
            #expect(try count[0].decode("n", as: Int.self) == 1)
        }
    }

    @Test func typedBindingsRoundTrip() async throws {
        try await withClient { client in
            let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let bytes = (0...255).map(UInt8.init) + [0, 0, 92, 120]
            let rows = try await client.query(
                """
                SELECT $1::int8 AS big, $2::int8 AS small, $3::float8 AS d, $4::float8 AS inf, $5::bool AS b,
                       $6::timestamptz AS t, $7::bytea AS bytes, $8::text AS missing, $9::timestamptz AS no_date,
                       $10::int4 AS i
                """,
                [
                    SQLValue(Int.max), SQLValue(Int.min), SQLValue(-1.5e-300), SQLValue(Double.infinity),
                    SQLValue(true),
                    SQLValue(date), SQLValue(bytes), .null, SQLValue(nil as Date?), 42,
                ]
            )
            let row = try #require(rows.first)
            #expect(try row.decode("big", as: Int.self) == Int.max)
            #expect(try row.decode("small", as: Int.self) == Int.min)
            #expect(try row.decode("d", as: Double.self) == -1.5e-300)
            #expect(try row.decode("inf", as: Double.self) == .infinity)
            #expect(try row.decode("b", as: Bool.self) == true)
            let decodedDate = try row.decode("t", as: Date.self)
            #expect(abs(decodedDate.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            #expect(try row.decode("bytes", as: [UInt8].self) == bytes)
            #expect(try row.decode("missing", as: String?.self) == nil)
            #expect(try row.decode("no_date", as: Date?.self) == nil)
            #expect(try row.decode(9, as: Int.self) == 42)
        }
    }

    @Test func decodingErrorsNameColumnAndType() async throws {
        try await withClient { client in
            let rows = try await client.query("SELECT NULL::int4 AS n, 'abc'::text AS word, 1.5::float8 AS ratio")
            let row = try #require(rows.first)
            let null = try #require(throws: PostgresError.self) { try row.decode("n", as: Int.self) }
            #expect(null.code == .decoding)
            #expect(null.message.contains("'n'") && null.message.contains("int4") && null.message.contains("NULL"))
            let wrongType = try #require(throws: PostgresError.self) { try row.decode("word", as: Int.self) }
            #expect(wrongType.code == .decoding)
            #expect(wrongType.message.contains("'word'") && wrongType.message.contains("text"))
            #expect(throws: PostgresError.self) { try row.decode("ratio", as: Int.self) }
            let missing = try #require(throws: PostgresError.self) { try row.decode("nope", as: String.self) }
            #expect(missing.message.contains("nope") && missing.message.contains("word"))
        }
    }

    @Test func serverErrorsCarrySQLStateAndLeaveConnectionUsable() async throws {
        try await withClient(maximumConnections: 1) { client in
            let table = uniqueName("uniq")
            try await client.query("CREATE TABLE \(table) (id int PRIMARY KEY)")
            try await client.query("INSERT INTO \(table) VALUES ($1)", [1])
            let duplicate = try await #require(throws: PostgresError.self) {
                try await client.query("INSERT INTO \(table) VALUES ($1)", [1])
            }
            #expect(duplicate.code == .query)
            #expect(duplicate.sqlState == "23505")
            let syntax = try await #require(throws: PostgresError.self) { try await client.query("SELEC 1") }
            #expect(syntax.sqlState == "42601")
            #expect(try await client.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
        }
    }

    @Test func poolServesManyConcurrentQueriesWithFewConnections() async throws {
        try await withClient(maximumConnections: 4) { client in
            let results = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let rows = try await client.query(
                            "SELECT $1::int8 * 2 AS doubled, pg_backend_pid() AS pid, pg_sleep(0.002)::text AS s",
                            [SQLValue(i)]
                        )
                        return (i, try rows[0].decode("doubled"), try rows[0].decode("pid"))
                    }
                }
                var all: [(Int, Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { $0.1 == $0.0 * 2 })
            let backends = Set(results.map(\.2))
            #expect(backends.count <= 4)
            #expect(backends.count >= 2, "concurrent callers should have used more than one connection")
        }
    }

    @Test func cancelledWaiterLeavesThePoolIntact() async throws {
        try await withClient(maximumConnections: 1) { client in
            try await client.withConnection { held in
                let waiting = Task { try await client.query("SELECT 1 AS one") }
                try await Task.sleep(for: .milliseconds(100))
                waiting.cancel()
                await #expect(throws: CancellationError.self) { try await waiting.value }
                try await held.query("SELECT 1")
            }
            // The one slot is free again, and the cancelled waiter did not take it.
            let one = try await withTimeout(seconds: 10) { try await client.query("SELECT 1 AS one") }
            #expect(try one[0].decode("one", as: Int.self) == 1)
        }
    }

    struct Rollback: Error {}

    @Test func transactionCommitsOrRollsBack() async throws {
        // One connection, so a transaction left open or aborted would break the statements after it.
        try await withClient(maximumConnections: 1) { client in
            let table = uniqueName("tx")
            try await client.query("CREATE TABLE \(table) (id int)")
            await #expect(throws: Rollback.self) {
                try await client.transaction { connection in
                    try await connection.query("INSERT INTO \(table) VALUES ($1)", [1])
                    throw Rollback()
                }
            }
            try await client.transaction { connection in
                try await connection.query("INSERT INTO \(table) VALUES ($1)", [2])
            }
            let ids = try await client.query("SELECT id FROM \(table)").map { try $0.decode("id", as: Int.self) }
            #expect(ids == [2])
            let state = try await client.query(
                "SELECT count(*) AS open FROM pg_stat_activity WHERE pid = pg_backend_pid() AND state LIKE '%transaction%' AND query NOT LIKE 'SELECT count(*) AS open%'"
            )
            #expect(try state[0].decode("open", as: Int.self) == 0)
        }
    }

    @Test func copyLoadsTenThousandRows() async throws {
        try await withClient { client in
            let table = uniqueName("copy")
            try await client.query("CREATE TABLE \(table) (id int8, label text, reading float8, raw bytea)")
            let rows: [[SQLValue]] = (0..<10_000).map { i in
                [
                    SQLValue(i), i % 100 == 0 ? .null : SQLValue("row\t\(i)\n\\end"), SQLValue(Double(i) / 4),
                    SQLValue([UInt8(i % 256), 0, 255]),
                ]
            }
            let copied = try await client.withConnection { connection in
                try await connection.copyFrom(table: table, columns: ["id", "label", "reading", "raw"], rows: rows)
            }
            #expect(copied == 10_000)
            let summary = try await client.query(
                "SELECT count(*) AS n, count(label) AS labelled, sum(reading) AS total FROM \(table)"
            )
            #expect(try summary[0].decode("n", as: Int.self) == 10_000)
            #expect(try summary[0].decode("labelled", as: Int.self) == 9_900)
            #expect(try summary[0].decode("total", as: Double.self) == Double(9_999 * 10_000 / 2) / 4)
            let one = try await client.query("SELECT label, raw FROM \(table) WHERE id = $1", [4_321])
            #expect(try one[0].decode("label", as: String.self) == "row\t4321\n\\end")
            #expect(try one[0].decode("raw", as: [UInt8].self) == [UInt8(4_321 % 256), 0, 255])
        }
    }

    @Test func copyErrorsReportSQLState() async throws {
        try await withClient(maximumConnections: 1) { client in
            let table = uniqueName("copybad")
            try await client.query("CREATE TABLE \(table) (id int NOT NULL)")
            let error = try await #require(throws: PostgresError.self) {
                try await client.withConnection {
                    try await $0.copyFrom(table: table, columns: ["id"], rows: [[1], [.null]])
                }
            }
            #expect(error.code == .copy)
            #expect(error.sqlState == "23502")
            #expect(try await client.query("SELECT count(*) AS n FROM \(table)")[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test func listenReceivesNotifications() async throws {
        try await withClient { client in
            let channel = uniqueName("events")
            let notifications = try await client.notifications(channel: channel)
            let payloads = ["first", "it's \"quoted\"", "third"]
            for payload in payloads {
                try await client.query("SELECT pg_notify($1, $2)", [SQLValue(channel), SQLValue(payload)])
            }
            let received = try await withTimeout(seconds: 10) {
                var received: [PostgresNotification] = []
                for try await notification in notifications {
                    received.append(notification)
                    if received.count == payloads.count { break }
                }
                return received
            }
            #expect(received.map(\.payload) == payloads)
            #expect(received.allSatisfy { $0.channel == channel })
        }
    }
}
