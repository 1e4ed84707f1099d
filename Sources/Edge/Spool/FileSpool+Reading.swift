import Foundation

extension FileSpool {
    public func oldestBatch(limit: Int) async throws -> SpoolBatch? {
        guard limit > 0 else { throw SpoolError(.invalidConfiguration, "limit must be positive (got \(limit))") }
        var readings: [EdgeReading] = []
        var first: UInt64?
        var last: UInt64 = 0
        let end = try self.scan(from: self.cursor) { sequence, reading in
            if first == nil { first = sequence }
            last = sequence
            readings.append(reading)
            return readings.count < limit
        }
        guard let first else { return nil }
        self.lastBatch = (last, end)
        return SpoolBatch(firstSequence: first, lastSequence: last, readings: readings)
    }

    public func acknowledge(_ batch: SpoolBatch) async throws {
        guard batch.lastSequence > self.acknowledged else { return }
        guard batch.lastSequence < self.nextSequence else {
            throw SpoolError(
                .invalidAcknowledgement,
                "batch.last_sequence \(batch.lastSequence) was never appended (the next sequence is \(self.nextSequence))"
            )
        }
        try self.writeAcknowledged(batch.lastSequence)
        if let lastBatch = self.lastBatch, lastBatch.lastSequence == batch.lastSequence {
            self.cursor = lastBatch.end
        } else {
            let acknowledged = self.acknowledged
            self.cursor = try self.scan(from: self.cursor) { sequence, _ in sequence < acknowledged }
        }
        self.lastBatch = nil
        self.normalizeCursor()
        try self.removeAcknowledgedSegments()
        self.oldestUnsent = try self.peekOldestTimestamp()
    }

    /// Deletes the segments (except the one appended to) whose records were all delivered.
    func removeAcknowledgedSegments() throws(SpoolError) {
        var removed = 0
        while self.segments.count - removed > 1, self.segments[removed].lastSequence <= self.acknowledged {
            try SpoolFile.remove(self.segments[removed].path)
            removed += 1
        }
        guard removed > 0 else { return }
        self.forgetSegments(removed)
    }

    /// Drops the first `count` entries of `segments` (their files are gone) and shifts the positions.
    func forgetSegments(_ count: Int) {
        if let reader = self.reader, self.segments[0..<count].contains(where: { $0.path == reader.path }) {
            self.reader = nil
        }
        self.segments.removeFirst(count)
        self.cursor =
            self.cursor.segment >= count
            ? SpoolPosition(segment: self.cursor.segment - count, offset: self.cursor.offset)
            : SpoolPosition(segment: 0, offset: Int64(SpoolRecord.segmentMagic.count))
        self.lastBatch = nil
        self.normalizeCursor()
    }

    /// Moves a cursor that sits at the end of a segment to the start of the next one.
    func normalizeCursor() {
        while self.cursor.segment < self.segments.count - 1,
            self.cursor.offset >= self.segments[self.cursor.segment].bytes
        {
            self.cursor = SpoolPosition(segment: self.cursor.segment + 1, offset: Int64(SpoolRecord.segmentMagic.count))
        }
    }

    func peekOldestTimestamp() throws(SpoolError) -> Date? {
        var oldest: Date?
        _ = try self.scan(from: self.cursor) { _, reading in
            oldest = reading.timestamp
            return false
        }
        return oldest
    }

    /// Decodes records from `start` on, calling `visit` for each until it returns false (that record included) or
    /// the segments end; returns the position after the last record visited.
    func scan(
        from start: SpoolPosition,
        _ visit: (UInt64, EdgeReading) -> Bool
    ) throws(SpoolError) -> SpoolPosition {
        var position = start
        while position.segment < self.segments.count {
            let segment = self.segments[position.segment]
            if position.offset >= segment.bytes {
                guard position.segment < self.segments.count - 1 else { return position }
                position = SpoolPosition(segment: position.segment + 1, offset: Int64(SpoolRecord.segmentMagic.count))
                continue
            }
            let chunk = try self.readHandle(segment).read(
                count: Int(min(segment.bytes - position.offset, 256 * 1024)),
                at: position.offset
            )
            var consumed = 0
            var stop = false
            var damage: String?
            chunk.withUnsafeBytes { raw in
                while consumed < raw.count {
                    switch SpoolRecord.decode(raw, at: consumed) {
                    case .record(let sequence, let reading, let size):
                        consumed += size
                        if !visit(sequence, reading) {
                            stop = true
                            return
                        }
                    case .incomplete:
                        if consumed == 0 { damage = "a record runs past the end of the file" }
                        return
                    case .corrupt(let why):
                        damage = why
                        return
                    }
                }
            }
            if let damage {
                throw SpoolError(.io, "\(segment.path): \(damage) at byte \(position.offset + Int64(consumed))")
            }
            position.offset += Int64(consumed)
            if stop { return position }
        }
        return position
    }

    private func readHandle(_ segment: SpoolSegment) throws(SpoolError) -> SpoolFile {
        if let reader = self.reader, reader.path == segment.path { return reader }
        let reader = try SpoolFile.openForReading(segment.path)
        self.reader = reader
        return reader
    }
}
