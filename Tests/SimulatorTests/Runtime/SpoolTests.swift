import Foundation
import Testing

@testable import Simulator

@Suite struct SpoolTests {
    static func temporaryPath() -> String {
        NSTemporaryDirectory() + "hv-spool-\(UUID().uuidString.prefix(8)).spool"
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".head")
    }

    @Test func deliversInOrderAndSurvivesReopening() throws {
        let path = Self.temporaryPath()
        defer { Self.remove(path) }
        do {
            let spool = try Spool(path: path)
            try spool.append([[1], [2, 2], [3, 3, 3]])
            #expect(spool.count == 3)
            #expect(try spool.first() == [1])
            try spool.removeFirst()
        }
        let reopened = try Spool(path: path)
        #expect(reopened.count == 2)
        #expect(try reopened.first() == [2, 2])
        try reopened.removeFirst()
        #expect(try reopened.first() == [3, 3, 3])
        try reopened.removeFirst()
        #expect(reopened.isEmpty)
        #expect(try reopened.first() == nil)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 0, "an emptied spool is truncated")
    }

    @Test func ignoresATornTail() throws {
        let path = Self.temporaryPath()
        defer { Self.remove(path) }
        do {
            let spool = try Spool(path: path)
            try spool.append([[7, 7], [8, 8, 8]])
        }
        // A crash mid-append: a header announcing 100 bytes and only 3 of them.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: SpoolFraming.frame(Array(repeating: 9, count: 100)).prefix(11))
        try handle.close()
        let spool = try Spool(path: path)
        #expect(spool.count == 2)
        try spool.append([[10]])
        try spool.removeFirst()
        try spool.removeFirst()
        #expect(try spool.first() == [10], "the torn bytes were cut before the next append")
    }

    @Test func stopsAtACorruptRecord() throws {
        let path = Self.temporaryPath()
        defer { Self.remove(path) }
        do {
            let spool = try Spool(path: path)
            try spool.append([[1, 1], [2, 2]])
        }
        // Flip the last body byte of the second record: its checksum no longer matches.
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let spool = try Spool(path: path)
        #expect(spool.count == 1)
        #expect(try spool.first() == [1, 1])
    }

    @Test func framingRejectsBadChecksumsAndShortInput() {
        var framed = SpoolFraming.frame([1, 2, 3])
        #expect(SpoolFraming.parse(framed[...]) == .record(body: [1, 2, 3], size: 11))
        #expect(SpoolFraming.parse(framed.prefix(10)) == .incomplete)
        framed[9] ^= 1
        #expect(SpoolFraming.parse(framed[...]) == .corrupt)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func outboundMessagesRoundTripThroughTheRecordFormat() {
        let message = OutboundMessage(
            device: "dev-1",
            channel: .telemetry,
            topic: "hv/v1/site/dev-1/telemetry",
            payload: [0, 1, 2, 255],
            retain: false,
            sequence: 42,
            dueAt: SimInstant(nanosecondsSinceEpoch: -5),
            readings: 3
        )
        #expect(OutboundMessage(spoolRecord: message.spoolRecord) == message)
        #expect(OutboundMessage(spoolRecord: [9, 9]) == nil)
    }
}
