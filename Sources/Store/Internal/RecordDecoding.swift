import Domain
import Foundation

extension PostgresRow {
    /// Decodes a text column into a closed set; a value outside it is a `.decoding` error naming the column.
    func decodeEnum<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T
    where T.RawValue == String {
        let raw = try self.decode(column, as: String.self)
        guard let value = T(rawValue: raw) else {
            throw PostgresError(code: .decoding, message: "column '\(column)' holds '\(raw)', not a \(T.self)")
        }
        return value
    }

    func decodeEnum<T: RawRepresentable>(_ column: String, as type: T?.Type) throws -> T?
    where T.RawValue == String {
        guard let raw = try self.decode(column, as: String?.self) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw PostgresError(code: .decoding, message: "column '\(column)' holds '\(raw)', not a \(T.self)")
        }
        return value
    }
}

/// Opaque keyset page tokens: the sort key of the last row returned, base64url-encoded.
enum PageCursor {
    static func encode(_ key: [String]) -> String {
        Data(key.joined(separator: "\u{1F}").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The key from a token; `parts` is how many components it must have. Throws `invalid("page_token")`.
    static func decode(_ token: String?, parts: Int) throws -> [String]? {
        guard let token else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw DomainError.invalid("page_token", "is not a page token this list issued")
        }
        let key = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard key.count == parts else {
            throw DomainError.invalid("page_token", "is not a page token this list issued")
        }
        return key
    }

    /// Decodes a uuid component of a key.
    static func uuid(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw DomainError.invalid("page_token", "is not a page token this list issued")
        }
        return id
    }

    /// A (timestamp in microseconds, id) key, for lists newest first.
    static func decodeTimeAndID(_ token: String?) throws -> (micros: Int64, id: UUID)? {
        guard let key = try self.decode(token, parts: 2) else { return nil }
        guard let micros = Int64(key[0]) else {
            throw DomainError.invalid("page_token", "is not a page token this list issued")
        }
        return (micros, try self.uuid(key[1]))
    }

    /// A page from `size + 1` fetched rows: the extra row only says there is a next page.
    static func page<T>(_ items: [T], size: Int, key: (T) -> [String]) -> Page<T> {
        guard items.count > size else { return Page(items: items, nextToken: nil) }
        let kept = Array(items.prefix(size))
        return Page(items: kept, nextToken: kept.last.map { self.encode(key($0)) })
    }
}
