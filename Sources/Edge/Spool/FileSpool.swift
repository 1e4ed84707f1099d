import Foundation
import Logging

/// The edge agent's durable spool: an append-only log of checksummed records in segment files, one write and
/// one fdatasync per `append`, so readings are on stable storage before `append` returns (docs/edge.md, "Spool").
///
/// The directory holds `segment-<first sequence>.log` files (oldest first; the last one is appended to),
/// `acknowledged` (the highest sequence the uplink delivered, replaced atomically) and `identity` (random at
/// creation; the uplink's request ids carry it). Opening recovers: a torn tail is truncated, delivered segments are
/// deleted. All file I/O runs on the spool's own thread (`SpoolExecutor`), never on the cooperative pool.
public actor FileSpool: ReadingSpool {
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        SpoolExecutor.shared.asUnownedSerialExecutor()
    }

    public nonisolated let configuration: SpoolConfiguration
    let logger: Logger
    /// Random when the spool is created (or its acknowledged sequence was lost): the uplink's request ids carry it,
    /// so sequences numbered anew never repeat an earlier request id.
    public internal(set) var identity = ""
    /// Oldest first; the last one is the one appended to.
    var segments: [SpoolSegment] = []
    var writer: SpoolFile?
    /// Cached read handle of one segment.
    var reader: SpoolFile?
    /// The highest sequence the uplink delivered (or the full policy dropped).
    var acknowledged: UInt64 = 0
    var nextSequence: UInt64 = 1
    /// Where the oldest unacknowledged record starts (the end of the last segment when there is none).
    var cursor = SpoolPosition(segment: 0, offset: 0)
    /// The last batch handed out and where it ends, so its acknowledgement moves the cursor without a rescan.
    var lastBatch: (lastSequence: UInt64, end: SpoolPosition)?
    var oldestUnsent: Date?
    var dropped: UInt64 = 0
    /// The directory's lock, held from `open` until `close` (or the spool's end).
    var lock: SpoolLock?

    private init(configuration: SpoolConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens (or creates) the spool in `configuration.directory` and recovers it.
    public static func open(_ configuration: SpoolConfiguration, logger: Logger) async throws -> FileSpool {
        try configuration.validate()
        let spool = FileSpool(configuration: configuration, logger: logger)
        try await spool.recover()
        return spool
    }

    /// Closes the spool's files and releases its directory; the spool must not be used afterwards.
    public func close() {
        self.writer = nil
        self.reader = nil
        self.lock = nil
    }

    public func append(_ readings: [EdgeReading]) async throws {
        guard !readings.isEmpty else { return }
        let bytes = try Self.recordBytes(readings, firstSequence: self.nextSequence)
        try self.makeRoom(for: Int64(bytes.count), readings: readings.count)
        if let active = self.segments.last, active.recordCount > 0,
            active.bytes + Int64(bytes.count) > self.configuration.effectiveSegmentBytes
        {
            try self.rotate()
            try self.removeAcknowledgedSegments()
        }
        let wasEmpty = self.depth == 0
        try self.activeWriter().appendDurably(bytes)
        let last = self.segments.count - 1
        self.segments[last].lastSequence = self.nextSequence + UInt64(readings.count) - 1
        self.segments[last].bytes += Int64(bytes.count)
        self.nextSequence += UInt64(readings.count)
        if wasEmpty { self.oldestUnsent = readings[0].timestamp }
    }

    /// The bytes `append` writes for `readings` numbered from `firstSequence` (the benchmark's floor writes the same).
    public static func recordBytes(_ readings: [EdgeReading], firstSequence: UInt64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, reading) in readings.enumerated() {
            try SpoolRecord.append(reading, sequence: firstSequence + UInt64(index), to: &bytes)
        }
        return bytes
    }

    public func status() -> SpoolStatus {
        SpoolStatus(depth: Int(self.depth), oldestUnsent: self.oldestUnsent, bytes: self.totalBytes, dropped: self.dropped)
    }

    /// Readings appended and neither acknowledged nor dropped.
    var depth: UInt64 {
        self.segments.reduce(0) { sum, segment in
            guard segment.lastSequence > self.acknowledged, segment.recordCount > 0 else { return sum }
            return sum + segment.lastSequence - max(self.acknowledged, segment.firstSequence - 1)
        }
    }

    var totalBytes: Int64 { self.segments.reduce(0) { $0 + $1.bytes } }

    var directory: String { self.configuration.directory }
    var acknowledgedPath: String { self.directory + "/acknowledged" }
    var identityPath: String { self.directory + "/identity" }

    func segmentPath(first: UInt64) -> String {
        let digits = String(first)
        return self.directory + "/segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    func activeWriter() throws(SpoolError) -> SpoolFile {
        if let writer = self.writer { return writer }
        let writer = try SpoolFile.openForAppend(self.segments[self.segments.count - 1].path)
        self.writer = writer
        return writer
    }

    /// Starts a new, empty segment at `nextSequence` and appends to it from now on.
    func rotate() throws(SpoolError) {
        let first = self.nextSequence
        let path = self.segmentPath(first: first)
        // A file of this name can only be a header-less leftover of a crash: start it afresh.
        try SpoolFile.remove(path)
        let file = try SpoolFile.openForAppend(path)
        try file.appendDurably(SpoolRecord.segmentMagic)
        try SpoolFile.syncDirectory(self.directory)
        self.segments.append(
            SpoolSegment(
                firstSequence: first,
                lastSequence: first - 1,
                bytes: Int64(SpoolRecord.segmentMagic.count),
                path: path
            )
        )
        self.writer = file
        self.normalizeCursor()
    }

    /// Records the delivered (or dropped) sequence durably.
    func writeAcknowledged(_ sequence: UInt64) throws(SpoolError) {
        try SpoolFile.replace(self.acknowledgedPath, with: Array("\(sequence)\n".utf8), directory: self.directory)
        self.acknowledged = sequence
    }
}

/// One segment file: the sequences it holds (contiguous) and its size.
struct SpoolSegment: Sendable, Hashable {
    var firstSequence: UInt64
    /// `firstSequence - 1` while empty.
    var lastSequence: UInt64
    var bytes: Int64
    var path: String

    var recordCount: UInt64 { self.lastSequence &+ 1 &- self.firstSequence }
}

/// A byte position in the segments: index into `FileSpool.segments` and offset in that file.
struct SpoolPosition: Sendable, Hashable {
    var segment: Int
    var offset: Int64
}
