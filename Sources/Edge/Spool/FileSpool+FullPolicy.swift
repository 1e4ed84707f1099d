import Logging

extension FileSpool {
    /// Makes `incoming` bytes fit under `maximumBytes`: delivered segments go first, then the full policy applies
    /// (docs/edge.md, "When the spool is full").
    func makeRoom(for incoming: Int64, readings count: Int) throws(SpoolError) {
        let limit = self.configuration.maximumBytes
        guard self.totalBytes + incoming > limit else { return }
        guard incoming + Int64(SpoolRecord.segmentMagic.count) <= limit else {
            throw SpoolError(
                .invalidReading,
                "readings: \(count) readings take \(incoming) bytes, more than spool.max_bytes (\(limit))"
            )
        }
        if let active = self.segments.last, active.recordCount > 0, active.lastSequence <= self.acknowledged {
            try self.rotate()
            try self.removeAcknowledgedSegments()
        }
        guard self.totalBytes + incoming > limit else { return }
        switch self.configuration.fullPolicy {
        case .rejectNewest:
            self.dropped += UInt64(count)
            self.logger.error(
                "spool full: new readings refused",
                metadata: [
                    "policy": "\(self.configuration.fullPolicy.rawValue)", "readings": "\(count)",
                    "bytes": "\(self.totalBytes)", "max_bytes": "\(limit)", "dropped_total": "\(self.dropped)",
                ]
            )
            throw SpoolError(.full, "the spool is full (\(self.totalBytes) of \(limit) bytes): \(count) readings refused")
        case .dropOldest:
            while self.totalBytes + incoming > limit {
                if self.segments.count == 1 { try self.rotate() }
                try self.dropOldestSegment()
            }
        }
    }

    /// Deletes the oldest segment, undelivered readings included, and records them as handled so they are never
    /// sent and their sequences never reused.
    private func dropOldestSegment() throws(SpoolError) {
        let segment = self.segments[0]
        let lost = segment.lastSequence > self.acknowledged
            ? segment.lastSequence - max(self.acknowledged, segment.firstSequence - 1)
            : 0
        if lost > 0 { try self.writeAcknowledged(segment.lastSequence) }
        try SpoolFile.remove(segment.path)
        self.forgetSegments(1)
        guard lost > 0 else { return }
        self.dropped += lost
        self.oldestUnsent = try self.peekOldestTimestamp()
        self.logger.error(
            "spool full: oldest unsent readings dropped",
            metadata: [
                "policy": "\(self.configuration.fullPolicy.rawValue)",
                "first_sequence": "\(segment.lastSequence - lost + 1)", "last_sequence": "\(segment.lastSequence)",
                "readings": "\(lost)", "dropped_total": "\(self.dropped)",
            ]
        )
    }
}
