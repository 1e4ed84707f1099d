import Foundation

/// A statement parameter. Values only ever travel as parameters ($1, $2, ...), never spliced into SQL text.
public struct SQLValue: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case null
        case text(String)
        case binary([UInt8])
    }

    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    public static let null = SQLValue(storage: .null)

    /// A parameter from any bindable value; `nil` binds SQL NULL.
    public init(_ value: (some SQLBindable)?) {
        self = value?.sqlValue ?? .null
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = value.sqlValue }
    public init(integerLiteral value: Int) { self = value.sqlValue }
    public init(floatLiteral value: Double) { self = value.sqlValue }
    public init(booleanLiteral value: Bool) { self = value.sqlValue }
    public init(nilLiteral: ()) { self = .null }
}

/// A Swift type that binds as a statement parameter.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable {
    public var sqlValue: SQLValue { SQLValue(storage: .text(self)) }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { SQLValue(storage: .text(String(self))) }
}

extension Double: SQLBindable {
    public var sqlValue: SQLValue {
        if self.isNaN { return SQLValue(storage: .text("NaN")) }
        if self.isInfinite { return SQLValue(storage: .text(self < 0 ? "-Infinity" : "Infinity")) }
        return SQLValue(storage: .text(String(self)))
    }
}

extension Bool: SQLBindable {
    public var sqlValue: SQLValue { SQLValue(storage: .text(self ? "true" : "false")) }
}

extension Date: SQLBindable {
    /// ISO 8601 in UTC with microseconds, the precision of `timestamptz`.
    public var sqlValue: SQLValue { SQLValue(storage: .text(TimestampText.format(self))) }
}

extension Array: SQLBindable where Element == UInt8 {
    /// `bytea`, sent in binary format so no escaping is involved.
    public var sqlValue: SQLValue { SQLValue(storage: .binary(self)) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
