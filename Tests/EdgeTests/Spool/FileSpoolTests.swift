import Edge
import Foundation
import Testing

@Suite struct FileSpoolTests {
    @Test func batchesComeOldestFirstAndLeaveOnlyWhenAcknowledged() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open()
        #expect(try await spool.oldestBatch(limit: 10) == nil)
        try await spool.append((0..<5).map { patternReading($0) })
        try await spool.append((5..<8).map { patternReading($0) })

        let first = try #require(try await spool.oldestBatch(limit: 6))
        #expect(first.firstSequence == 1 && first.lastSequence == 6)
        #expect(first.readings == (0..<6).map { patternReading($0) })
        // Not acknowledged: the same batch again.
        #expect(try await spool.oldestBatch(limit: 6) == first)
        var status = await spool.status()
        #expect(status.depth == 8 && status.oldestUnsent == patternReading(0).timestamp)

        try await spool.acknowledge(first)
        let second = try #require(try await spool.oldestBatch(limit: 6))
        #expect(second.firstSequence == 7 && second.readings == [patternReading(6), patternReading(7)])
        status = await spool.status()
        #expect(status.depth == 2 && status.oldestUnsent == patternReading(6).timestamp)

        try await spool.acknowledge(second)
        #expect(try await spool.oldestBatch(limit: 6) == nil)
        status = await spool.status()
        #expect(status.depth == 0 && status.oldestUnsent == nil)
        // A repeated acknowledgement changes nothing; one of sequences never handed out is refused.
        try await spool.acknowledge(first)
        await #expect(throws: SpoolError.self) {
            try await spool.acknowledge(SpoolBatch(firstSequence: 9, lastSequence: 20, readings: []))
        }
    }

    @Test func anAcknowledgementOfAnOlderBatchMovesToItsEnd() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open(segmentBytes: 1024)
        try await spool.append((0..<40).map { patternReading($0) })
        let big = try #require(try await spool.oldestBatch(limit: 30))
        // Acknowledge a prefix the spool did not hand out last (a restart of the uplink cuts batches differently).
        try await spool.acknowledge(SpoolBatch(firstSequence: 1, lastSequence: 13, readings: Array(big.readings.prefix(13))))
        let rest = try #require(try await allReadings(spool))
        #expect(rest.firstSequence == 14 && rest.readings == (13..<40).map { patternReading($0) })
    }

    @Test func aDirectoryOpenElsewhereIsRefusedNamingIt() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open()
        let refused = await #expect(throws: SpoolError.self) { try await directory.open() }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("spool.directory"))
        await spool.close()
        let reopened = try await directory.open()
        await reopened.close()
    }

    @Test func reopeningKeepsWhatWasNotAcknowledgedAndNeverReusesASequence() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        var spool = try await directory.open(segmentBytes: 1024)
        try await spool.append((0..<50).map { patternReading($0) })
        try await spool.acknowledge(try #require(try await spool.oldestBatch(limit: 20)))
        let identity = await spool.identity

        await spool.close()

        spool = try await directory.open(segmentBytes: 1024)
        #expect(await spool.identity == identity)
        let rest = try #require(try await allReadings(spool))
        #expect(rest.firstSequence == 21 && rest.lastSequence == 50)
        #expect(rest.readings == (20..<50).map { patternReading($0) })
        try await spool.acknowledge(rest)

        // Everything delivered, segments deleted: numbering still continues after 50.
        await spool.close()
        spool = try await directory.open(segmentBytes: 1024)
        #expect(await spool.status().depth == 0)
        try await spool.append([patternReading(99)])
        #expect(try await spool.oldestBatch(limit: 5)?.firstSequence == 51)
        #expect(directory.segments().count == 1)
    }

    @Test func aTornTailIsTruncatedAndAppendingContinuesAfterIt() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        var spool = try await directory.open()
        try await spool.append((0..<10).map { patternReading($0) })
        let path = try #require(directory.segments().last)
        // Half a record at the end, as kill -9 in the middle of write() leaves it.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data([0x30, 0, 0, 0, 0xAB, 0xCD, 0x01]))
        try handle.close()

        await spool.close()

        spool = try await directory.open()
        #expect(try await allReadings(spool)?.readings == (0..<10).map { patternReading($0) })
        try await spool.append([patternReading(10)])
        await spool.close()
        spool = try await directory.open()
        let all = try #require(try await allReadings(spool))
        #expect(all.lastSequence == 11 && all.readings == (0..<11).map { patternReading($0) })
    }

    @Test func aLostAcknowledgedFileResendsEverythingUnderANewIdentity() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        var spool = try await directory.open()
        try await spool.append((0..<4).map { patternReading($0) })
        try await spool.acknowledge(try #require(try await spool.oldestBatch(limit: 2)))
        let identity = await spool.identity
        try FileManager.default.removeItem(atPath: directory.path + "/acknowledged")

        await spool.close()

        spool = try await directory.open()
        #expect(await spool.identity != identity)
        #expect(try await allReadings(spool)?.readings == (0..<4).map { patternReading($0) })
    }

    @Test func whenFullTheOldestSegmentIsDroppedCountedAndTheNewReadingsKept() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open(maximumBytes: 8192, segmentBytes: 1024)
        for index in 0..<400 { try await spool.append([patternReading(index)]) }
        let status = await spool.status()
        #expect(status.bytes <= 8192)
        #expect(status.dropped > 0)
        #expect(UInt64(status.depth) + status.dropped == 400)
        let left = try #require(try await allReadings(spool))
        // The newest readings are the ones kept, contiguous up to the last one appended.
        #expect(left.lastSequence == 400 && left.readings.last == patternReading(399))
        #expect(left.readings == ((400 - left.readings.count)..<400).map { patternReading($0) })
        #expect(status.oldestUnsent == left.readings.first?.timestamp)
    }

    @Test func whenFullWithRejectNewestTheNewReadingsAreRefusedAndTheOldKept() async throws {
        let directory = SpoolDirectory()
        defer { directory.remove() }
        let spool = try await directory.open(maximumBytes: 8192, segmentBytes: 1024, policy: .rejectNewest)
        var refused = 0
        for index in 0..<400 {
            do {
                try await spool.append([patternReading(index)])
            } catch let error as SpoolError where error.code == .full {
                refused += 1
            }
        }
        let status = await spool.status()
        #expect(refused > 0 && status.dropped == UInt64(refused))
        let kept = try #require(try await allReadings(spool))
        #expect(kept.readings == (0..<kept.readings.count).map { patternReading($0) })
        // Delivering makes room again.
        try await spool.acknowledge(kept)
        try await spool.append([patternReading(1000)])
        #expect(try await spool.oldestBatch(limit: 10)?.readings == [patternReading(1000)])
    }

    @Test func aBadConfigurationNamesTheField() async {
        do {
            _ = try await FileSpool.open(SpoolConfiguration(directory: "/tmp/x", maximumBytes: 10), logger: edgeTestLogger)
            Issue.record("a 10-byte spool was accepted")
        } catch let error as SpoolError {
            #expect(error.code == .invalidConfiguration && error.message.contains("spool.max_bytes"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
