import Foundation
import Testing

@testable import Edge

@Suite struct SpoolRecordTests {
    @Test func aRecordDecodesToTheReadingAndSequenceItWasEncodedFrom() throws {
        let reading = EdgeReading(
            deviceId: "6f1c2d3e-0000-4000-8000-000000000001",
            stream: "pv_power",
            value: -12.345e-7,
            unit: "°C",
            timestamp: Date(timeIntervalSinceReferenceDate: 784_000_123.456789)
        )
        var bytes: [UInt8] = []
        try SpoolRecord.append(reading, sequence: 42, to: &bytes)
        let decoded = bytes.withUnsafeBytes { SpoolRecord.decode($0, at: 0) }
        #expect(decoded == .record(sequence: 42, reading: reading, size: bytes.count))
    }

    /// A byte of the checksum, sequence or payload (a flipped length reads as a longer, incomplete record or an
    /// impossible one: recovery truncates either way).
    @Test(arguments: [5, 9, 17, 30])
    func aFlippedByteFailsTheChecksum(position: Int) throws {
        var bytes: [UInt8] = []
        try SpoolRecord.append(patternReading(3), sequence: 1, to: &bytes)
        bytes[position] ^= 0x40
        let decoded = bytes.withUnsafeBytes { SpoolRecord.decode($0, at: 0) }
        guard case .corrupt = decoded else {
            Issue.record("expected corrupt, got \(decoded)")
            return
        }
    }

    @Test func aCutRecordIsIncomplete() throws {
        var bytes: [UInt8] = []
        try SpoolRecord.append(patternReading(3), sequence: 1, to: &bytes)
        for cut in [1, SpoolRecord.headerSize, bytes.count - 1] {
            let decoded = Array(bytes[0..<cut]).withUnsafeBytes { SpoolRecord.decode($0, at: 0) }
            #expect(decoded == .incomplete, "cut at \(cut)")
        }
    }

    @Test func aFieldLongerThanTheFormatAllowsIsRefusedNamingIt() {
        var bytes: [UInt8] = []
        var reading = patternReading(0)
        reading.stream = String(repeating: "x", count: 70_000)
        #expect(throws: SpoolError.self) { try SpoolRecord.append(reading, sequence: 1, to: &bytes) }
        do {
            try SpoolRecord.append(reading, sequence: 1, to: &bytes)
        } catch {
            // Typed: SpoolRecord.append throws only SpoolError.
            #expect(error.message.contains("reading.stream"))
        }
    }

    @Test func aScanKeepsTheValidPrefixAndNamesTheDamage() throws {
        var bytes = SpoolRecord.segmentMagic
        for index in 0..<5 { try SpoolRecord.append(patternReading(index), sequence: UInt64(10 + index), to: &bytes) }
        let whole = SegmentScan.scan(bytes, firstSequence: 10)
        #expect(whole.lastSequence == 14 && whole.validBytes == bytes.count && whole.damage == nil)

        let torn = SegmentScan.scan(Array(bytes.dropLast(3)), firstSequence: 10)
        #expect(torn.lastSequence == 13)
        #expect(torn.damage?.contains("incomplete") == true)

        let wrongStart = SegmentScan.scan(bytes, firstSequence: 11)
        #expect(wrongStart.lastSequence == 10 && wrongStart.validBytes == SpoolRecord.segmentMagic.count)

        let noHeader = SegmentScan.scan(Array(bytes.dropFirst()), firstSequence: 10)
        #expect(noHeader.validBytes == 0 && noHeader.recordCount == 0)
    }
}
