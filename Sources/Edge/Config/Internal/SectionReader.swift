import Foundation

/// Typed, validated access to one section's entries; every error names the file, the line and the key. Keys read
/// are ticked off so `finish()` can refuse the ones nobody knows (a typo is an error, not a silent default).
struct SectionReader {
    let section: ConfigDocument.Section
    let file: String
    private var used: Set<String> = []

    init(_ section: ConfigDocument.Section, file: String) {
        self.section = section
        self.file = file
    }

    var title: String { self.section.name.map { "[\(self.section.kind) \($0)]" } ?? "[\(self.section.kind)]" }

    func error(_ line: Int, _ field: String, _ message: String) -> EdgeConfigurationError {
        EdgeConfigurationError(file: self.file, line: line, field: field, message: message)
    }

    /// The entry for `key`, ticked off as used.
    mutating func entry(_ key: String) -> ConfigDocument.Entry? {
        self.used.insert(key)
        return self.section.entries.first { $0.key == key }
    }

    /// Entries whose key starts with `prefix` (e.g. `stream.`), ticked off as used.
    mutating func entries(prefixed prefix: String) -> [ConfigDocument.Entry] {
        let found = self.section.entries.filter { $0.key.hasPrefix(prefix) }
        for entry in found { self.used.insert(entry.key) }
        return found
    }

    mutating func required(_ key: String) throws(EdgeConfigurationError) -> ConfigDocument.Entry {
        guard let entry = self.entry(key) else {
            throw self.error(self.section.line, key, "is required in \(self.title)")
        }
        guard !entry.value.isEmpty else { throw self.error(entry.line, key, "must not be empty") }
        return entry
    }

    mutating func string(_ key: String, default value: String? = nil) throws(EdgeConfigurationError) -> String {
        if let value, self.entry(key) == nil { return value }
        return try self.required(key).value
    }

    mutating func integer(
        _ key: String,
        default value: Int? = nil,
        in range: ClosedRange<Int>
    ) throws(EdgeConfigurationError) -> Int {
        if let value, self.entry(key) == nil { return value }
        let entry = try self.required(key)
        guard let parsed = Int(entry.value), range.contains(parsed) else {
            throw self.error(entry.line, key, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    mutating func bool(_ key: String, default value: Bool) throws(EdgeConfigurationError) -> Bool {
        guard let entry = self.entry(key) else { return value }
        switch entry.value {
        case "true": return true
        case "false": return false
        default: throw self.error(entry.line, key, "must be true or false")
        }
    }

    mutating func duration(
        _ key: String,
        default value: Duration,
        in range: ClosedRange<Duration>
    ) throws(EdgeConfigurationError) -> Duration {
        guard let entry = self.entry(key) else { return value }
        guard let parsed = ConfigValues.duration(entry.value) else {
            throw self.error(entry.line, key, "must be a duration like 30ms, 5s, 1.5s, 2m or 1h")
        }
        guard range.contains(parsed) else {
            throw self.error(
                entry.line,
                key,
                "must be between \(ConfigValues.format(range.lowerBound)) and \(ConfigValues.format(range.upperBound))"
            )
        }
        return parsed
    }

    mutating func byteSize(
        _ key: String,
        default value: Int64,
        in range: ClosedRange<Int64>
    ) throws(EdgeConfigurationError) -> Int64 {
        guard let entry = self.entry(key) else { return value }
        guard let parsed = ConfigValues.byteSize(entry.value), range.contains(parsed) else {
            throw self.error(
                entry.line,
                key,
                "must be a size like 512MiB or 2GiB (B, KiB, MiB, GiB), \(range.lowerBound)...\(range.upperBound) bytes"
            )
        }
        return parsed
    }

    /// `host:port` (an IPv6 host in brackets).
    mutating func endpoint(
        _ key: String,
        default value: (host: String, port: Int)? = nil
    ) throws(EdgeConfigurationError) -> (host: String, port: Int) {
        if let value, self.entry(key) == nil { return value }
        let entry = try self.required(key)
        guard let parsed = ConfigValues.endpoint(entry.value) else {
            throw self.error(entry.line, key, "must be host:port with a port in 1...65535")
        }
        return parsed
    }

    /// Fails on the first key no reader asked for.
    func finish() throws(EdgeConfigurationError) {
        if let unknown = self.section.entries.first(where: { !self.used.contains($0.key) }) {
            throw self.error(unknown.line, unknown.key, "is not a setting of \(self.title)")
        }
    }
}
