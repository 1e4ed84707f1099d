import Foundation

extension UUID: SQLBindable {
    /// Lowercase canonical text; bind it to a `$n::uuid` parameter or a uuid column.
    public var sqlValue: SQLValue { SQLValue(storage: .text(self.uuidString.lowercased())) }
}

extension UUID: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) { self.init(uuidString: postgresText) }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        type == .uuid || type == .text || type == .varchar
    }
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { SQLValue(storage: .text(String(self))) }
}

extension Int64: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) { self.init(postgresText) }
    public static func accepts(_ type: PostgresDataType) -> Bool { type.isInteger || type == .numeric }
}
