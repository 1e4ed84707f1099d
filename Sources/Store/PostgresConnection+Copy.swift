import CLibPQ
import Foundation

extension PostgresConnection {
    /// Bulk-loads `rows` into `table` with `COPY ... FROM STDIN` (text format); returns the number of rows copied.
    /// Values are escaped for the COPY text format, identifiers are quoted; nothing is spliced into SQL unquoted.
    @discardableResult
    public func copyFrom(table: String, columns: [String], rows: [[SQLValue]]) async throws -> Int {
        let statement =
            "COPY \(Self.quoteIdentifier(table)) (\(columns.map(Self.quoteIdentifier).joined(separator: ", "))) FROM STDIN"
        let width = columns.count
        for (index, row) in rows.enumerated() where row.count != width {
            throw PostgresError(code: .copy, message: "COPY row \(index) has \(row.count) values for \(width) columns")
        }
        return try await self.worker.run {
            try self.runCopy(statement, expected: rows.count) { send in
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 16)
                for row in rows {
                    for (index, value) in row.enumerated() {
                        if index > 0 { buffer.append(9) }
                        Self.appendCopyText(value, to: &buffer)
                    }
                    buffer.append(10)
                    if buffer.count >= 1 << 16 {
                        send(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                send(buffer)
            }
        }
    }

    /// Quotes an identifier; a dotted name (`schema.table`) quotes each part.
    static func quoteIdentifier(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false)
            .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            .joined(separator: ".")
    }

    /// On the worker thread: starts `statement` (a `COPY ... FROM STDIN`), lets `write` send the data in chunks
    /// and ends the COPY; returns the rows the server reports copied (`expected` if it reports none).
    func runCopy(_ statement: String, expected: Int, write: (_ send: ([UInt8]) -> Void) -> Void) throws -> Int {
        let conn = try self.liveConnection()
        let start = PQexec(conn, statement)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw self.failure(result: start, conn: conn, code: .copy)
        }
        PQclear(start)
        var sendFailed = false
        write { chunk in
            guard !chunk.isEmpty, !sendFailed else { return }
            let rc = chunk.withUnsafeBytes { raw in
                PQputCopyData(conn, raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count))
            }
            if rc != 1 { sendFailed = true }
        }
        if sendFailed || PQputCopyEnd(conn, nil) != 1 {
            // Drain the result so the connection is usable (or marked broken) afterwards.
            while let result = PQgetResult(conn) { PQclear(result) }
            throw self.failure(result: nil, conn: conn, code: .copy)
        }
        var copied = 0
        var failure: PostgresError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(result))) ?? expected
            } else if failure == nil {
                failure = self.failure(result: result, conn: conn, code: .copy)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return copied
    }

    /// COPY text format: `\N` for NULL; backslash, tab, newline and carriage return escaped; bytea as `\\x<hex>`.
    static func appendCopyText(_ value: SQLValue, to buffer: inout [UInt8]) {
        switch value.storage {
        case .null:
            buffer.append(contentsOf: [92, 78])
        case .text(let text):
            for byte in text.utf8 {
                switch byte {
                case 92: buffer.append(contentsOf: [92, 92])
                case 9: buffer.append(contentsOf: [92, 116])
                case 10: buffer.append(contentsOf: [92, 110])
                case 13: buffer.append(contentsOf: [92, 114])
                default: buffer.append(byte)
                }
            }
        case .binary(let bytes):
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            buffer.append(contentsOf: [92, 92, 120])
            for byte in bytes {
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0xF)])
            }
        }
    }
}
