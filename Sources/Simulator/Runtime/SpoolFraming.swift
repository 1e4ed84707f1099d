/// The spool's record framing, pure: `length (u32 LE) | crc32 of the body (u32 LE) | body`. A reader stops at the
/// first record that is cut short or whose checksum does not match: that is the torn tail of a crash mid-write.
enum SpoolFraming {
    static let headerSize = 8
    /// Bodies larger than this are refused on append and read as a torn tail (a corrupt length).
    static let maximumBodySize = 16 * 1024 * 1024

    static func frame(_ body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + body.count)
        Self.appendUInt32(UInt32(body.count), to: &bytes)
        Self.appendUInt32(CRC32.checksum(body), to: &bytes)
        bytes.append(contentsOf: body)
        return bytes
    }

    enum Parsed: Equatable {
        /// A whole record: its body and the total bytes it takes.
        case record(body: [UInt8], size: Int)
        /// Fewer bytes than a header or its body (a torn tail, or nothing left).
        case incomplete
        /// A length out of range or a checksum mismatch.
        case corrupt
    }

    /// The record at the start of `bytes`.
    static func parse(_ bytes: ArraySlice<UInt8>) -> Parsed {
        guard bytes.count >= Self.headerSize else { return .incomplete }
        let start = bytes.startIndex
        let length = Int(Self.readUInt32(bytes, at: start))
        let checksum = Self.readUInt32(bytes, at: start + 4)
        guard length <= Self.maximumBodySize else { return .corrupt }
        guard bytes.count >= Self.headerSize + length else { return .incomplete }
        let body = Array(bytes[(start + Self.headerSize)..<(start + Self.headerSize + length)])
        guard CRC32.checksum(body) == checksum else { return .corrupt }
        return .record(body: body, size: Self.headerSize + length)
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func appendUInt64(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func readUInt32(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, offset in value | UInt32(bytes[index + offset]) << UInt32(8 * offset) }
    }

    static func readUInt64(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { value, offset in value | UInt64(bytes[index + offset]) << UInt64(8 * offset) }
    }
}
