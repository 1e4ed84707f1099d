import Foundation

/// Checks for outside input. Each throws `DomainError.invalid` naming the field, so the gRPC layer can return
/// INVALID_ARGUMENT with a field violation. The database's CHECK constraints enforce the same rules again.
public enum Validate {
    /// 1...`maximum` characters, no control characters, not only whitespace.
    public static func text(_ value: String, field: String, maximum: Int = 200) throws {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError.invalid(field, "must not be empty")
        }
        guard value.count <= maximum else {
            throw DomainError.invalid(field, "must be at most \(maximum) characters (got \(value.count))")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DomainError.invalid(field, "must not contain control characters")
        }
    }

    /// Optional text: nil passes, otherwise as `text`.
    public static func text(_ value: String?, field: String, maximum: Int = 200) throws {
        if let value { try self.text(value, field: field, maximum: maximum) }
    }

    /// A short code such as `VEG-1`: a letter or digit, then up to 39 letters, digits, `.`, `_` or `-`.
    public static func code(_ value: String, field: String) throws {
        let scalars = Array(value.unicodeScalars)
        func allowed(_ s: Unicode.Scalar, first: Bool) -> Bool {
            let alnum = ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
            return alnum || (!first && (s == "." || s == "_" || s == "-"))
        }
        guard (1...40).contains(scalars.count), allowed(scalars[0], first: true),
            scalars.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            throw DomainError.invalid(
                field,
                "must be 1-40 characters: a letter or digit, then letters, digits, '.', '_' or '-'"
            )
        }
    }

    /// A lowercase e-mail address of at most 254 characters.
    public static func email(_ value: String, field: String) throws {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(value.count), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !value.contains(where: \.isWhitespace), value == value.lowercased()
        else {
            throw DomainError.invalid(field, "must be a lowercase e-mail address of at most 254 characters")
        }
    }

    /// Parses a closed set's raw value (an enum), naming the allowed values when it is not one of them.
    public static func oneOf<T: RawRepresentable & CaseIterable>(_ raw: String, as: T.Type, field: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw DomainError.invalid(field, "must be one of \(allowed) (got '\(raw.prefix(40))')")
        }
        return value
    }
}
