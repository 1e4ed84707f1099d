extension TruthRecord {
    /// Appends the record as one JSON line: keys sorted, absent fields omitted, `/` unescaped (what `JSONEncoder`
    /// with `.sortedKeys` and `.withoutEscapingSlashes` writes, and `TruthLog` reads back), written by hand because
    /// a published batch is one line per message at the benchmark's 10,000 messages a second.
    func appendJSONLine(to bytes: inout [UInt8]) {
        // Keys in byte order, as `.sortedKeys` sorts them.
        var object = JSONObjectWriter(opening: &bytes)
        object.string("channel", self.channel, to: &bytes)
        object.string("command", self.command, to: &bytes)
        object.string("command_id", self.commandID, to: &bytes)
        object.string("detail", self.detail, to: &bytes)
        object.string("device", self.device, to: &bytes)
        object.string("fault", self.fault, to: &bytes)
        object.string("kind", self.kind.rawValue, to: &bytes)
        object.bool("on", self.on, to: &bytes)
        object.string("output", self.output, to: &bytes)
        object.integer("published_sim_ns", self.publishedNanos, to: &bytes)
        object.integer("readings", self.readings.map(Int64.init), to: &bytes)
        object.string("reason", self.reason, to: &bytes)
        if let sequence = self.sequence { object.raw("sequence", String(sequence), to: &bytes) }
        object.integer("sim_ns", self.simNanos, to: &bytes)
        object.bool("spooled", self.spooled, to: &bytes)
        if let values = self.values {
            object.key("values", to: &bytes)
            bytes.append(UInt8(ascii: "["))
            for (index, reading) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                var item = JSONObjectWriter(opening: &bytes)
                item.integer("sim_ns", reading.simNanos, to: &bytes)
                item.string("stream", reading.stream, to: &bytes)
                // Always present: `null` for a value that was not finite (JSON has no NaN or infinity).
                let value = reading.value.flatMap { $0.isFinite ? $0 : nil }
                // Swift's description is the shortest text that reads back as the same Double (`21.5`, `1e-07`).
                item.raw("value", value?.description ?? "null", to: &bytes)
                item.close(&bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        object.close(&bytes)
        bytes.append(UInt8(ascii: "\n"))
    }
}

/// Writes one JSON object's members in the order given; nil values are left out.
private struct JSONObjectWriter {
    private var first = true

    init(opening bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
    }

    func close(_ bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func key(_ key: StaticString, to bytes: inout [UInt8]) {
        if !self.first { bytes.append(UInt8(ascii: ",")) }
        self.first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func raw(_ key: StaticString, _ text: String, to bytes: inout [UInt8]) {
        self.key(key, to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ key: StaticString, _ value: String?, to bytes: inout [UInt8]) {
        guard let value else { return }
        self.key(key, to: &bytes)
        Self.appendQuoted(value, to: &bytes)
    }

    mutating func integer(_ key: StaticString, _ value: Int64?, to bytes: inout [UInt8]) {
        guard let value else { return }
        self.raw(key, String(value), to: &bytes)
    }

    mutating func bool(_ key: StaticString, _ value: Bool?, to bytes: inout [UInt8]) {
        guard let value else { return }
        self.raw(key, value ? "true" : "false", to: &bytes)
    }

    static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
