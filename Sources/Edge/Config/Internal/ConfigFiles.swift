import Foundation

/// The config loader's only I/O: reading the config file and the files it names, as UTF-8 text of bounded size.
enum ConfigFiles {
    static let maxBytes = 1 << 20

    static func read(
        _ path: String,
        referencedFrom entry: ConfigEntryReference?
    ) throws(EdgeConfigurationError) -> String {
        func fail(_ message: String) -> EdgeConfigurationError {
            entry?.error("\(path): \(message)")
                ?? EdgeConfigurationError(file: path, line: 0, field: "file", message: message)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be opened") }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: Self.maxBytes + 1) ?? Data()
        } catch {
            throw fail("cannot be read: \(error)")
        }
        guard data.count <= Self.maxBytes else { throw fail("is larger than \(Self.maxBytes) bytes") }
        guard let text = String(data: data, encoding: .utf8) else {
            let line = Self.firstInvalidLine(data)
            if let entry { throw entry.error("\(path): line \(line) is not UTF-8") }
            throw EdgeConfigurationError(file: path, line: line, field: "file", message: "is not UTF-8 text")
        }
        return text
    }

    /// The line holding the first byte that breaks UTF-8.
    private static func firstInvalidLine(_ data: Data) -> Int {
        var line = 1
        var start = data.startIndex
        for index in data.indices where data[index] == 0x0A {
            if String(data: data[start..<index], encoding: .utf8) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }
}
