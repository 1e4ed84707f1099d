import Foundation

/// A server type, by OID; the common built-in types have names.
public struct PostgresDataType: Hashable, Sendable, CustomStringConvertible {
    public let oid: UInt32
    public init(oid: UInt32) { self.oid = oid }

    public static let bool = Self(oid: 16)
    public static let bytea = Self(oid: 17)
    public static let name = Self(oid: 19)
    public static let int8 = Self(oid: 20)
    public static let int2 = Self(oid: 21)
    public static let int4 = Self(oid: 23)
    public static let text = Self(oid: 25)
    public static let oidType = Self(oid: 26)
    public static let float4 = Self(oid: 700)
    public static let float8 = Self(oid: 701)
    public static let bpchar = Self(oid: 1042)
    public static let varchar = Self(oid: 1043)
    public static let date = Self(oid: 1082)
    public static let timestamp = Self(oid: 1114)
    public static let timestamptz = Self(oid: 1184)
    public static let numeric = Self(oid: 1700)
    public static let uuid = Self(oid: 2950)
    public static let jsonb = Self(oid: 3802)

    private static let names: [UInt32: String] = [
        16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text", 26: "oid",
        700: "float4", 701: "float8", 1042: "bpchar", 1043: "varchar", 1082: "date", 1114: "timestamp",
        1184: "timestamptz", 1700: "numeric", 2950: "uuid", 3802: "jsonb", 114: "json",
    ]

    public var description: String { Self.names[self.oid] ?? "oid \(self.oid)" }

    var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oidType }
}

/// A Swift type that a result cell decodes into (cells arrive in Postgres text format).
public protocol SQLDecodable: Sendable {
    /// Parses the text form; nil when it is not a valid value.
    init?(postgresText: String, type: PostgresDataType)
    /// Whether a column of this server type may decode as Self at all.
    static func accepts(_ type: PostgresDataType) -> Bool
    /// The value for SQL NULL, or nil when NULL is an error (non-optional types).
    static var sqlNull: Self? { get }
}

extension SQLDecodable {
    public static var sqlNull: Self? { nil }
}

extension String: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) { self = postgresText }
    /// Every type has a text form; bytea is refused so that bytes are never silently read as hex text.
    public static func accepts(_ type: PostgresDataType) -> Bool { type != .bytea }
}

extension Int: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) { self.init(postgresText) }
    public static func accepts(_ type: PostgresDataType) -> Bool { type.isInteger }
}

extension Double: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) { self.init(postgresText) }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        type == .float4 || type == .float8 || type == .numeric || type.isInteger
    }
}

extension Bool: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .bool }
}

extension Date: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) {
        guard let date = TimestampText.parse(postgresText) else { return nil }
        self = date
    }
    public static func accepts(_ type: PostgresDataType) -> Bool {
        type == .timestamptz || type == .timestamp || type == .date
    }
}

extension Array: SQLDecodable where Element == UInt8 {
    /// bytea in hex output format: `\x` then two hex digits per byte.
    public init?(postgresText: String, type: PostgresDataType) {
        let utf8 = Array(postgresText.utf8)
        guard utf8.count >= 2, utf8[0] == 92, utf8[1] == 120, utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        self = bytes
    }
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .bytea }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public init?(postgresText: String, type: PostgresDataType) {
        guard let value = Wrapped(postgresText: postgresText, type: type) else { return nil }
        self = .some(value)
    }
    public static func accepts(_ type: PostgresDataType) -> Bool { Wrapped.accepts(type) }
    public static var sqlNull: Self? { .some(.none) }
}
