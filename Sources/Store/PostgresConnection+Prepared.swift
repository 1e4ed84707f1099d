import CLibPQ
import Foundation

extension PostgresConnection {
    /// Runs `sql` as the session's prepared statement `name`: parsed and prepared on its first use in the session
    /// (and again after a reconnect), then only executed, so the server plans it from its plan cache. For a
    /// statement run very often whose text never changes under that name.
    @discardableResult
    public func query(prepared name: String, _ sql: String, _ binds: [SQLValue] = []) async throws -> PostgresRows {
        try await self.runCancellable { try self.executePrepared(name, sql, binds) }
    }

    /// On the worker thread.
    private func executePrepared(_ name: String, _ sql: String, _ binds: [SQLValue]) throws -> PostgresRows {
        let conn = try self.liveConnection()
        if !self.preparedNames.contains(name) {
            let prepared = PQprepare(conn, name, sql, Int32(binds.count), nil)
            defer { PQclear(prepared) }
            guard PQresultStatus(prepared) == PGRES_COMMAND_OK else {
                throw self.failure(result: prepared, conn: conn, code: .query)
            }
            self.preparedNames.insert(name)
        }
        let result = Self.withParameters(binds) { count, values, lengths, formats in
            PQexecPrepared(conn, name, count, values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        return try self.rows(from: result, conn: conn, sql: sql)
    }
}
