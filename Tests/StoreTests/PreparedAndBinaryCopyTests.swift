import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// A prepared statement runs with new binds each time, and is prepared again in the new session after the
    /// connection was reset (the old session's statements are gone with it).
    @Test func preparedStatementsSurviveAReconnect() async throws {
        try await withClient(maximumConnections: 1) { client in
            let sql = "SELECT $1::int + 1 AS n"
            let pid = try await client.withConnection { connection in
                #expect(try await connection.query(prepared: "test_add", sql, [SQLValue(1)])[0].decode("n") == 2)
                #expect(try await connection.query(prepared: "test_add", sql, [SQLValue(41)])[0].decode("n") == 42)
                return try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
            }
            // Terminate the session and wait (bounded) until its backend is gone, so the idle connection's socket
            // shows it when it is next leased: the lease then reconnects.
            try await withClient(maximumConnections: 1) { observer in
                try await observer.query("SELECT pg_terminate_backend($1)", [SQLValue(pid)])
                for _ in 0..<200 {
                    let left = try await observer.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1",
                        [SQLValue(pid)]
                    )
                    if try left[0].decode("n", as: Int.self) == 0 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            try await Task.sleep(for: .milliseconds(50))  // the closed socket's EOF reaches the client
            let again = try await client.withConnection { connection in
                try await connection.query(prepared: "test_add", sql, [SQLValue(7)])[0].decode("n", as: Int.self)
            }
            #expect(again == 8)
        }
    }

    /// Binary COPY writes every supported type exactly (timestamps to the microsecond, negative ones too).
    @Test func binaryCopyRoundTrips() async throws {
        try await withClient { client in
            let table = uniqueName("binary_copy")
            try await client.query(
                "CREATE TABLE \(table) (n integer, id uuid, big bigint, x double precision, ts timestamptz)"
            )
            let ids = [UUID(), UUID()]
            var rows = BinaryCopyRows(columns: 5)
            for (index, micros) in [Int64(1_764_000_000_123_456), -1].enumerated() {
                rows.startRow()
                rows.append(Int32(index))
                rows.append(ids[index])
                rows.append(micros)
                rows.append(index == 0 ? 1.0 / 3 : -2.5e-300)
                rows.appendTimestamp(micros: micros)
            }
            let copied = try await client.withConnection { connection in
                try await connection.copyFrom(table: table, columns: ["n", "id", "big", "x", "ts"], binary: rows)
            }
            #expect(copied == 2)
            let back = try await client.query(
                """
                SELECT id, big, x, (extract(epoch FROM ts) * 1000000)::bigint AS micros FROM \(table) ORDER BY n
                """
            )
            #expect(try back.map { try $0.decode("id", as: UUID.self) } == ids)
            #expect(try back.map { try $0.decode("big", as: Int64.self) } == [1_764_000_000_123_456, -1])
            #expect(try back.map { try $0.decode("micros", as: Int64.self) } == [1_764_000_000_123_456, -1])
            #expect(try back.map { try $0.decode("x", as: Double.self) } == [1.0 / 3, -2.5e-300])
        }
    }
}
