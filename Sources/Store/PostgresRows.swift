/// A column of a result: its name and server type.
public struct PostgresColumn: Sendable, Hashable {
    public var name: String
    public var type: PostgresDataType
}

/// The rows a statement returned, already copied out of libpq, plus the count of rows it affected.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [PostgresColumn]
    /// For INSERT/UPDATE/DELETE/COPY: the affected row count; for SELECT: the rows returned.
    public let affectedRows: Int
    let values: [[String?]]

    init(columns: [PostgresColumn], affectedRows: Int, values: [[String?]]) {
        self.columns = columns
        self.affectedRows = affectedRows
        self.values = values
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { self.values.count }
    public subscript(position: Int) -> PostgresRow {
        PostgresRow(columns: self.columns, values: self.values[position])
    }
}

/// One row; decode its cells by column name or position into Swift types.
public struct PostgresRow: Sendable {
    public let columns: [PostgresColumn]
    let values: [String?]

    /// Decodes the cell in `column` as `T`. Throws a `.decoding` error naming the column, its type and `T` when the
    /// cell is NULL (and `T` is not optional), the column's type does not fit `T`, or the value does not parse.
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = self.columns.firstIndex(where: { $0.name == column }) else {
            let known = self.columns.map(\.name).joined(separator: ", ")
            throw PostgresError(code: .decoding, message: "no column named '\(column)' in the row (columns: \(known))")
        }
        return try self.decode(index, as: type)
    }

    /// Decodes the cell at `index` (0-based) as `T`.
    public func decode<T: SQLDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard self.columns.indices.contains(index) else {
            throw PostgresError(
                code: .decoding,
                message: "column index \(index) out of range (the row has \(self.columns.count))"
            )
        }
        let column = self.columns[index]
        guard let text = self.values[index] else {
            if let null = T.sqlNull { return null }
            throw PostgresError(
                code: .decoding,
                message:
                    "column '\(column.name)' (\(column.type)) is NULL; decode it as \(T.self)? instead of \(T.self)"
            )
        }
        guard T.accepts(column.type) else {
            throw PostgresError(
                code: .decoding,
                message: "column '\(column.name)' has type \(column.type), which cannot decode as \(T.self)"
            )
        }
        guard let value = T(postgresText: text, type: column.type) else {
            throw PostgresError(
                code: .decoding,
                message: "column '\(column.name)' (\(column.type)) holds '\(text.prefix(64))', not a valid \(T.self)"
            )
        }
        return value
    }
}
