import Foundation

/// Rows in the binary `COPY ... FROM STDIN (FORMAT binary)` format, written straight into one growing buffer: no
/// per-value strings, no text parsing on the server. Every row must hold exactly `columns` values, in the table's
/// column order and of the column's exact type (the server checks the field count and each value's length).
public struct BinaryCopyRows: Sendable {
    /// `PGCOPY\n\377\r\n\0`, then a 32-bit flags field and a 32-bit header-extension length, both zero.
    static let header: [UInt8] = [80, 71, 67, 79, 80, 89, 10, 255, 13, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    /// Postgres timestamps count microseconds from 2000-01-01 00:00:00 UTC.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    public let columns: Int
    public private(set) var count = 0
    private(set) var bytes: [UInt8]

    /// `capacity` rows of about `bytesPerRow` bytes each are reserved up front.
    public init(columns: Int, capacity: Int = 0, bytesPerRow: Int = 64) {
        self.columns = columns
        self.bytes = Self.header
        self.bytes.reserveCapacity(Self.header.count + capacity * bytesPerRow + 2)
    }

    /// Starts a row; append exactly `columns` values after it.
    public mutating func startRow() {
        self.appendBigEndian(Int16(truncatingIfNeeded: self.columns))
        self.count += 1
    }

    /// A `uuid` value.
    public mutating func append(_ value: UUID) {
        self.appendBigEndian(Int32(16))
        withUnsafeBytes(of: value.uuid) { self.bytes.append(contentsOf: $0) }
    }

    /// A `bigint` value.
    public mutating func append(_ value: Int64) {
        self.appendBigEndian(Int32(8))
        self.appendBigEndian(value)
    }

    /// An `integer` value.
    public mutating func append(_ value: Int32) {
        self.appendBigEndian(Int32(4))
        self.appendBigEndian(value)
    }

    /// A `double precision` value.
    public mutating func append(_ value: Double) {
        self.appendBigEndian(Int32(8))
        self.appendBigEndian(value.bitPattern)
    }

    /// A `timestamptz` value from microseconds since 1970-01-01 00:00:00 UTC.
    public mutating func appendTimestamp(micros: Int64) {
        self.appendBigEndian(Int32(8))
        self.appendBigEndian(micros - Self.postgresEpochMicros)
    }

    /// The whole COPY stream: header, rows and the end-of-data marker.
    var stream: [UInt8] {
        var out = self.bytes
        out.append(contentsOf: [255, 255])
        return out
    }

    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { self.bytes.append(contentsOf: $0) }
    }
}

extension PostgresConnection {
    /// Bulk-loads `rows` into `table` with `COPY ... FROM STDIN (FORMAT binary)`; returns the number of rows copied.
    @discardableResult
    public func copyFrom(table: String, columns: [String], binary rows: BinaryCopyRows) async throws -> Int {
        guard rows.columns == columns.count else {
            throw PostgresError(
                code: .copy,
                message: "COPY rows have \(rows.columns) values for \(columns.count) columns"
            )
        }
        let statement =
            "COPY \(Self.quoteIdentifier(table)) (\(columns.map(Self.quoteIdentifier).joined(separator: ", "))) "
            + "FROM STDIN (FORMAT binary)"
        let stream = rows.stream
        return try await self.worker.run {
            try self.runCopy(statement, expected: rows.count) { send in send(stream) }
        }
    }
}
