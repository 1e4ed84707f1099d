import CLibPQ
import Foundation
import Logging
import Synchronization

/// One libpq connection with a thread of its own. Calls are queued to that thread and run in order.
///
/// `@unchecked Sendable`: the only mutable state, `pgconn`, is read and written exclusively on `worker`'s thread.
public final class PostgresConnection: @unchecked Sendable {
    let worker: WorkerThread
    var pgconn: OpaquePointer?
    let conninfo: String
    /// When set, every (re)connect runs `SET ROLE` to it: the session then has that role's rights only.
    let role: String?
    let logger: Logger
    private let broken = Atomic<Bool>(false)
    let cancelHandle = CancelHandle()
    /// The statements prepared in the current session (`query(prepared:_:_:)`); only used on `worker`'s thread.
    var preparedNames: Set<String> = []

    /// True once the connection failed in a way that needs a reconnect; the pool then drops it.
    public var isBroken: Bool { self.broken.load(ordering: .acquiring) }

    private init(conninfo: String, role: String?, logger: Logger) {
        self.conninfo = conninfo
        self.role = role
        self.logger = logger
        self.worker = WorkerThread(name: "pq-conn")
    }

    /// Connects with a libpq connection string (`postgresql://user@host:port/db` or `host=... dbname=...`). With
    /// `role`, the session switches to it (`SET ROLE`) right after connecting and after every reconnect.
    public static func connect(
        _ conninfo: String,
        role: String? = nil,
        logger: Logger = Logger(label: "harvestry.store")
    ) async throws
        -> PostgresConnection
    {
        let connection = PostgresConnection(conninfo: conninfo, role: role, logger: logger)
        do {
            try await connection.worker.run { try connection.open() }
        } catch {
            connection.worker.stop()
            throw error
        }
        return connection
    }

    /// On the worker thread.
    private func open() throws {
        let conn = PQconnectdb(self.conninfo)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw PostgresError(code: .connection, message: Self.trim(message))
        }
        self.pgconn = conn
        // Server notices (e.g. "relation already exists, skipping") go to the logger at debug, not to stderr.
        PQsetNoticeProcessor(
            conn,
            { context, message in
                guard let context, let message else { return }
                let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
                connection.logger.debug(
                    "postgres notice",
                    metadata: ["notice": "\(PostgresConnection.trim(String(cString: message)))"]
                )
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        try self.configureSession(conn)
    }

    /// On the worker thread, after `PQreset`: the session settings again (a reset opens a new session).
    func reconfigureAfterReset(_ conn: OpaquePointer) throws {
        try self.configureSession(conn)
    }

    /// Marks a connection usable again after a successful reconnect.
    func clearBroken() { self.broken.store(false, ordering: .releasing) }

    /// On the worker thread: the fixed session settings the text decoders rely on, and the role switch.
    private func configureSession(_ conn: OpaquePointer) throws {
        self.cancelHandle.refresh(from: conn)
        self.preparedNames.removeAll()
        var sql = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'"
        if let role { sql += "; SET ROLE \(Self.quoteIdentifier(role))" }
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw PostgresError(code: .connection, message: Self.trim(String(cString: PQerrorMessage(conn))))
        }
    }

    /// Runs one parameterized statement: `$1, $2, ...` in `sql` take `binds` in order.
    ///
    /// Cancelling the awaiting task cancels the statement: one still queued is skipped, one running on the server
    /// gets a cancel request (PQcancel) and ends with SQLSTATE 57014; either way the call throws
    /// `CancellationError` and the connection stays usable (a transaction it was in is aborted and rolled back).
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> PostgresRows {
        try await self.runCancellable { try self.execute(sql, binds) }
    }

    /// Runs `statement` on the worker thread; cancelling the awaiting task skips it if still queued or cancels it
    /// on the server (PQcancel) if running, and the call then throws `CancellationError`.
    func runCancellable(
        _ body: @escaping @Sendable () throws -> PostgresRows
    ) async throws -> PostgresRows {
        let statement = StatementCancellation()
        return try await withTaskCancellationHandler {
            do {
                return try await self.worker.run {
                    guard statement.begin() else { throw CancellationError() }
                    defer { statement.end() }
                    return try body()
                }
            } catch let error as PostgresError where error.sqlState == "57014" && Task.isCancelled {
                throw CancellationError()
            }
        } onCancel: {
            statement.cancel(self.cancelHandle)
        }
    }

    /// Runs a statement that must run even when the task is cancelled (ROLLBACK after a cancelled statement).
    func queryIgnoringCancellation(_ sql: String) async throws {
        _ = try await self.worker.run { try self.execute(sql, []) }
    }

    /// On the worker thread: PQexecParams with text parameters (binary for bytea) and text results.
    func execute(_ sql: String, _ binds: [SQLValue]) throws -> PostgresRows {
        let conn = try self.liveConnection()
        let result = Self.withParameters(binds) { count, values, lengths, formats in
            PQexecParams(conn, sql, count, nil, values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        return try self.rows(from: result, conn: conn, sql: sql)
    }

    /// Calls `body` with libpq's parameter arrays for `binds` (text, binary for bytea), valid during the call.
    static func withParameters<R>(
        _ binds: [SQLValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, [Int32], [Int32]) -> R
    ) -> R {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { for buffer in buffers { free(buffer) } }
        for bind in binds {
            switch bind.storage {
            case .null:
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                buffers.append(strdup(text))
                lengths.append(0)
                formats.append(0)
            case .binary(let bytes):
                let copy = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(copy, base, bytes.count) }
                }
                buffers.append(copy)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        return buffers.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                body(Int32(binds.count), values.baseAddress, lengths, formats)
            }
        }
    }

    /// On the worker thread: runs SQL text with no parameters, possibly several statements (migrations).
    func executeScript(_ sql: String) throws {
        let conn = try self.liveConnection()
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        _ = try self.rows(from: result, conn: conn, sql: sql)
    }

    /// Runs SQL text with no parameters on the connection's thread; for trusted, value-free scripts only.
    package func script(_ sql: String) async throws {
        try await self.worker.run { try self.executeScript(sql) }
    }

    func rows(from result: OpaquePointer?, conn: OpaquePointer, sql: String) throws -> PostgresRows {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            throw self.failure(result: result, conn: conn, code: .query)
        }
        let result = result!
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(fieldCount)
        for field in 0..<fieldCount {
            columns.append(
                PostgresColumn(
                    name: String(cString: PQfname(result, Int32(field))),
                    type: PostgresDataType(oid: UInt32(PQftype(result, Int32(field))))
                )
            )
        }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var cells: [String?] = []
            cells.reserveCapacity(fieldCount)
            for field in 0..<fieldCount {
                if PQgetisnull(result, Int32(row), Int32(field)) != 0 {
                    cells.append(nil)
                } else {
                    cells.append(String(cString: PQgetvalue(result, Int32(row), Int32(field))))
                }
            }
            values.append(cells)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return PostgresRows(columns: columns, affectedRows: affected, values: values)
    }

    /// On the worker thread: the error for a failed result; marks the connection broken when libpq lost it.
    func failure(result: OpaquePointer?, conn: OpaquePointer, code: PostgresError.Code) -> PostgresError {
        let sqlState = result.flatMap { hv_pq_sqlstate($0) }.map { String(cString: $0) }
        let message: String
        if let result, let text = PQresultErrorMessage(result), text.pointee != 0 {
            message = String(cString: text)
        } else {
            message = String(cString: PQerrorMessage(conn))
        }
        if PQstatus(conn) != CONNECTION_OK {
            self.broken.store(true, ordering: .releasing)
            return PostgresError(code: .connection, message: Self.trim(message), sqlState: sqlState)
        }
        return PostgresError(code: code, message: Self.trim(message), sqlState: sqlState)
    }

    /// On the worker thread.
    func liveConnection() throws -> OpaquePointer {
        guard let conn = self.pgconn, PQstatus(conn) == CONNECTION_OK else {
            self.broken.store(true, ordering: .releasing)
            throw PostgresError(code: .connection, message: "the connection is closed or broken")
        }
        return conn
    }

    /// Checks an idle connection before reuse. Nothing should arrive on an idle connection, so a quiet socket means
    /// healthy without a round trip; a readable one (a shutdown notice, EOF after a server restart) is verified with
    /// an empty query, and a connection that fails that is reset (reconnected) once.
    public func checkHealth() async -> Bool {
        (try? await self.worker.run { () -> Bool in
            guard let conn = self.pgconn else { return false }
            if PQstatus(conn) == CONNECTION_OK, PQtransactionStatus(conn) == PQTRANS_IDLE {
                let readable = hv_pq_wait_readable(conn, 0)
                if readable == 0 { return true }
                if readable > 0, PQconsumeInput(conn) == 1, PQstatus(conn) == CONNECTION_OK {
                    let probe = PQexec(conn, "")
                    let ok = PQresultStatus(probe) == PGRES_EMPTY_QUERY
                    PQclear(probe)
                    if ok { return true }
                }
            }
            PQreset(conn)
            var ok = PQstatus(conn) == CONNECTION_OK
            if ok {
                ok = (try? self.configureSession(conn)) != nil
                self.logger.debug("postgres connection re-established")
            }
            self.broken.store(!ok, ordering: .releasing)
            return ok
        }) ?? false
    }

    /// Closes the connection and ends its thread once queued calls have run.
    public func close() {
        _ = self.worker.submit {
            PQfinish(self.pgconn)
            self.pgconn = nil
        }
        self.worker.stop()
    }

    static func trim(_ message: String) -> String {
        message.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
