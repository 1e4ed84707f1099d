import Foundation

/// The on-disk form of one spooled reading (docs/edge.md, "Spool format"), little-endian:
///
///     u32 payload length | u32 CRC-32C of bytes 8..<end | u64 sequence | payload
///     payload: f64 timestamp (seconds since 2001-01-01, exact) | f64 value | u16 length + UTF-8 device id |
///              u16 length + UTF-8 stream | u16 length + UTF-8 unit
///
/// A segment file starts with `segmentMagic`. Pure: no I/O.
enum SpoolRecord {
    static let headerSize = 16
    static let fixedPayloadSize = 22
    static let maximumPayloadSize = fixedPayloadSize + 3 * Int(UInt16.max)
    static let segmentMagic: [UInt8] = Array("HVSPOOL1".utf8)

    /// Appends the record of `reading` with `sequence` to `buffer`.
    static func append(_ reading: EdgeReading, sequence: UInt64, to buffer: inout [UInt8]) throws(SpoolError) {
        let device = Array(reading.deviceId.utf8)
        let stream = Array(reading.stream.utf8)
        let unit = Array(reading.unit.utf8)
        for (field, bytes) in [("device_id", device), ("stream", stream), ("unit", unit)] where bytes.count > UInt16.max {
            throw SpoolError(.invalidReading, "reading.\(field) is \(bytes.count) bytes, at most 65535 are allowed")
        }
        let payloadSize = Self.fixedPayloadSize + device.count + stream.count + unit.count
        let start = buffer.count
        Self.put(UInt32(payloadSize), into: &buffer)
        Self.put(UInt32(0), into: &buffer)
        Self.put(sequence, into: &buffer)
        Self.put(reading.timestamp.timeIntervalSinceReferenceDate.bitPattern, into: &buffer)
        Self.put(reading.value.bitPattern, into: &buffer)
        for bytes in [device, stream, unit] {
            Self.put(UInt16(bytes.count), into: &buffer)
            buffer.append(contentsOf: bytes)
        }
        let crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        buffer.withUnsafeMutableBytes { $0.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self) }
    }

    /// What the bytes at an offset hold.
    enum Decoded: Equatable {
        case record(sequence: UInt64, reading: EdgeReading, size: Int)
        /// The bytes end inside the record (a torn tail, or a read that stopped short).
        case incomplete
        /// Not a record: a bad length, checksum or field.
        case corrupt(String)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Decoded {
        let available = bytes.count - offset
        guard available >= Self.headerSize else { return .incomplete }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard (Self.fixedPayloadSize...Self.maximumPayloadSize).contains(length) else {
            return .corrupt("payload length \(length) is out of range")
        }
        guard available >= Self.headerSize + length else { return .incomplete }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
        let end = offset + Self.headerSize + length
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<end])) == stored else {
            return .corrupt("checksum mismatch")
        }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        let sequence = u64(offset + 8)
        let time = Double(bitPattern: u64(offset + 16))
        let value = Double(bitPattern: u64(offset + 24))
        var cursor = offset + 32
        var strings: [String] = []
        for _ in 0..<3 {
            guard cursor + 2 <= end else { return .corrupt("field length runs past the record") }
            let count = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: cursor, as: UInt16.self)))
            cursor += 2
            guard cursor + count <= end else { return .corrupt("field runs past the record") }
            guard let string = String(validating: bytes[cursor..<(cursor + count)], as: UTF8.self) else {
                return .corrupt("field is not UTF-8")
            }
            strings.append(string)
            cursor += count
        }
        guard cursor == end else { return .corrupt("record has trailing bytes") }
        let reading = EdgeReading(
            deviceId: strings[0],
            stream: strings[1],
            value: value,
            unit: strings[2],
            timestamp: Date(timeIntervalSinceReferenceDate: time)
        )
        return .record(sequence: sequence, reading: reading, size: Self.headerSize + length)
    }

    private static func put<T: FixedWidthInteger>(_ value: T, into buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
