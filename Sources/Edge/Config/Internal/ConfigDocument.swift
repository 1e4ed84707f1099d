/// The config file's syntax, without meaning: `[section]` or `[section name]` headers, `key = value` lines,
/// comment lines starting with `#` or `;`, blank lines. Every piece keeps its line number for errors.
struct ConfigDocument: Sendable {
    struct Entry: Sendable {
        var key: String
        var value: String
        var line: Int
    }

    struct Section: Sendable {
        /// `device` for `[device inverter-1]`.
        var kind: String
        /// `inverter-1` for `[device inverter-1]`; nil for `[uplink]`.
        var name: String?
        var line: Int
        var entries: [Entry]
    }

    var sections: [Section]

    static let maxLineBytes = 4096
    static let maxLines = 10_000

    init(text: String, file: String) throws(EdgeConfigurationError) {
        func fail(_ line: Int, _ field: String, _ message: String) -> EdgeConfigurationError {
            EdgeConfigurationError(file: file, line: line, field: field, message: message)
        }
        var sections: [Section] = []
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard lines.count <= Self.maxLines else {
            throw fail(Self.maxLines + 1, "file", "has more than \(Self.maxLines) lines")
        }
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            guard raw.utf8.count <= Self.maxLineBytes else {
                throw fail(number, "line", "is longer than \(Self.maxLineBytes) bytes")
            }
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            guard line.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F || $0 == "\t" }) else {
                throw fail(number, "line", "contains a control character")
            }
            if line.hasPrefix("[") {
                sections.append(try Self.header(line, number: number, fail: fail))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw fail(number, "line", "must be [section], key = value, or a # comment")
            }
            let key = String(line[..<equals]).trimmingSpaces
            let value = String(line[line.index(after: equals)...]).trimmingSpaces
            guard !key.isEmpty, key.unicodeScalars.allSatisfy(Self.isKeyCharacter) else {
                throw fail(number, "line", "the key must be letters, digits, _ and . (got '\(key.prefix(40))')")
            }
            guard !sections.isEmpty else { throw fail(number, key, "comes before any [section]") }
            if let first = sections[sections.count - 1].entries.first(where: { $0.key == key }) {
                throw fail(number, key, "is set twice in this section (first on line \(first.line))")
            }
            sections[sections.count - 1].entries.append(Entry(key: key, value: value, line: number))
        }
        self.sections = sections
    }

    private static func header(
        _ line: String,
        number: Int,
        fail: (Int, String, String) -> EdgeConfigurationError
    ) throws(EdgeConfigurationError) -> Section {
        guard line.hasSuffix("]"), line.count >= 3 else {
            throw fail(number, "section", "a section header is [name] or [device NAME]")
        }
        let words = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard (1...2).contains(words.count), words.allSatisfy({ $0.unicodeScalars.allSatisfy(Self.isNameCharacter) })
        else {
            throw fail(number, "section", "a section header is [name] or [device NAME] (letters, digits, _ . -)")
        }
        return Section(kind: words[0], name: words.count == 2 ? words[1] : nil, line: number, entries: [])
    }

    private static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "_" || scalar == "."
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        Self.isKeyCharacter(scalar) || scalar == "-"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (and a trailing carriage return).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = self.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = self.lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
