import Foundation

/// How stored readings travel between server instances over Postgres NOTIFY on `channel`: one payload per chunk of a
/// site's readings, `site;stream,micros,value;stream,micros,value...`, each payload under NOTIFY's 8000-byte limit.
public enum ReadingNotification {
    public static let channel = "harvestry_readings"
    /// Leaves room under Postgres' 8000-byte payload limit.
    static let maximumPayload = 7_800

    public static func encode(_ readings: [Reading], siteID: UUID) -> [String] {
        let head = siteID.uuidString.lowercased()
        var payloads: [String] = []
        var current = head
        for reading in readings {
            let item = ";\(reading.streamID.uuidString.lowercased()),\(reading.micros),\(reading.value)"
            if current.utf8.count + item.utf8.count > Self.maximumPayload {
                payloads.append(current)
                current = head
            }
            current += item
        }
        if current != head { payloads.append(current) }
        return payloads
    }

    /// The readings of a payload; nil when it is not one `encode` (or the ingest statement) wrote. Parsed over the
    /// UTF-8 bytes: the hub decodes every stored reading, so this avoids a string per field.
    public static func decode(_ payload: String) -> [Reading]? {
        var payload = payload
        return payload.withUTF8 { bytes -> [Reading]? in
            var parser = PayloadParser(bytes: bytes)
            guard let site = parser.uuid() else { return nil }
            var readings: [Reading] = []
            readings.reserveCapacity(bytes.count / 60)
            while !parser.atEnd {
                guard parser.skip(59), let stream = parser.uuid(), parser.skip(44), let micros = parser.integer(),
                    parser.skip(44), let value = parser.double()
                else { return nil }
                readings.append(Reading(streamID: stream, siteID: site, micros: micros, value: value))
            }
            return readings
        }
    }
}

/// Reads the fields of a notification payload from its UTF-8 bytes.
private struct PayloadParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var atEnd: Bool { self.index == self.bytes.count }

    /// Consumes `byte` if it comes next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
        self.index += 1
        return true
    }

    /// A UUID in its 36-character form (either case).
    mutating func uuid() -> UUID? {
        guard self.bytes.count - self.index >= 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let (bytes, start) = (self.bytes, self.index)
        var position = start
        let parsed = withUnsafeMutableBytes(of: &value) { raw -> Bool in
            for out in 0..<16 {
                switch position - start {
                case 8, 13, 18, 23:
                    guard bytes[position] == 45 else { return false }
                    position += 1
                default: break
                }
                guard let high = Self.hex(bytes[position]), let low = Self.hex(bytes[position + 1]) else {
                    return false
                }
                raw[out] = high << 4 | low
                position += 2
            }
            return true
        }
        guard parsed else { return nil }
        self.index = position
        return UUID(uuid: value)
    }

    /// A decimal integer with an optional minus sign.
    mutating func integer() -> Int64? {
        let negative = self.skip(45)
        var value: Int64 = 0
        var digits = 0
        while self.index < self.bytes.count, (48...57).contains(self.bytes[self.index]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = shifted.addingReportingOverflow(Int64(self.bytes[self.index] - 48))
            guard !overflow, !overflowSum else { return nil }
            value = sum
            digits += 1
            self.index += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    /// A number up to the next `;` or the end, as Swift's `Double(_:)` reads it.
    mutating func double() -> Double? {
        let start = self.index
        while self.index < self.bytes.count, self.bytes[self.index] != 59 { self.index += 1 }
        guard self.index > start else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self))
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
