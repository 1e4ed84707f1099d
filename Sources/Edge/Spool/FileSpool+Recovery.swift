import Foundation
import Logging

extension FileSpool {
    /// Reads the directory back after a clean stop, kill -9 or power loss: truncates every segment to its valid
    /// prefix (a torn tail), deletes delivered segments, and places the cursor on the oldest undelivered record.
    func recover() throws {
        do {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        } catch {
            throw SpoolError(.io, "spool.directory \(self.directory) cannot be created: \(error)")
        }
        self.lock = try SpoolLock.acquire(directory: self.directory)
        let stored = (try? SpoolFile.readAll(self.acknowledgedPath)).flatMap {
            UInt64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try self.recoverIdentity(acknowledgedKnown: stored != nil)
        try self.recoverSegments()
        if stored == nil, !self.segments.isEmpty {
            self.logger.warning(
                "spool: the acknowledged sequence is missing; every stored reading is sent again",
                metadata: ["directory": "\(self.directory)"]
            )
        }
        let acknowledged = stored ?? (self.segments.first.map { $0.firstSequence - 1 } ?? 0)
        let recorded = self.segments.map(\.lastSequence).max() ?? 0
        self.nextSequence = max(recorded, acknowledged, self.segments.last.map { $0.firstSequence - 1 } ?? 0) + 1
        try self.writeAcknowledged(acknowledged)
        if let active = self.segments.last, active.lastSequence + 1 == self.nextSequence {
            self.writer = try SpoolFile.openForAppend(active.path)
        } else {
            try self.rotate()
        }
        self.cursor = try self.firstUnacknowledgedPosition()
        self.normalizeCursor()
        try self.removeAcknowledgedSegments()
        self.oldestUnsent = try self.peekOldestTimestamp()
        self.logger.info(
            "spool opened",
            metadata: [
                "directory": "\(self.directory)", "depth": "\(self.depth)", "acknowledged": "\(self.acknowledged)",
                "next_sequence": "\(self.nextSequence)", "bytes": "\(self.totalBytes)",
            ]
        )
    }

    /// Keeps the identity unless the acknowledged sequence was lost: then sequences may be numbered anew, and a new
    /// identity keeps the uplink's request ids from repeating an earlier one with other readings.
    private func recoverIdentity(acknowledgedKnown: Bool) throws(SpoolError) {
        let existing = (try? SpoolFile.readAll(self.identityPath)).map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if acknowledgedKnown, let existing, existing.count == 32, existing.allSatisfy(\.isHexDigit) {
            self.identity = existing
            return
        }
        let identity = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try SpoolFile.replace(self.identityPath, with: Array((identity + "\n").utf8), directory: self.directory)
        self.identity = identity
    }

    private func recoverSegments() throws(SpoolError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: self.directory)
        } catch {
            throw SpoolError(.io, "spool.directory \(self.directory) cannot be listed: \(error)")
        }
        for name in names where name.hasSuffix(".tmp") { try SpoolFile.remove(self.directory + "/" + name) }
        let found = names.compactMap { name -> (UInt64, String)? in
            guard name.hasPrefix("segment-"), name.hasSuffix(".log"),
                let first = UInt64(name.dropFirst("segment-".count).dropLast(".log".count)), first > 0
            else { return nil }
            return (first, self.directory + "/" + name)
        }.sorted { $0.0 < $1.0 }
        for (first, path) in found {
            let bytes = try SpoolFile.readAll(path)
            let scan = SegmentScan.scan(bytes, firstSequence: first)
            if let damage = scan.damage {
                self.logger.warning(
                    "spool: segment truncated to its valid records",
                    metadata: [
                        "path": "\(path)", "damage": "\(damage)", "bytes_cut": "\(bytes.count - scan.validBytes)",
                        "last_sequence": "\(scan.lastSequence)",
                    ]
                )
                if scan.validBytes == 0 {
                    // Not even a header: a segment created just before the crash, or not ours.
                    try SpoolFile.remove(path)
                    continue
                }
                try SpoolFile.truncate(path, to: scan.validBytes)
            }
            self.segments.append(
                SpoolSegment(
                    firstSequence: first,
                    lastSequence: scan.lastSequence,
                    bytes: Int64(scan.validBytes),
                    path: path
                )
            )
        }
    }

    /// The position of the first record after `acknowledged` (the end of the last segment when there is none).
    private func firstUnacknowledgedPosition() throws(SpoolError) -> SpoolPosition {
        let start = Int64(SpoolRecord.segmentMagic.count)
        for (index, segment) in self.segments.enumerated() where segment.lastSequence > self.acknowledged {
            guard segment.firstSequence <= self.acknowledged else { return SpoolPosition(segment: index, offset: start) }
            let acknowledged = self.acknowledged
            return try self.scan(from: SpoolPosition(segment: index, offset: start)) { sequence, _ in
                sequence < acknowledged
            }
        }
        let last = self.segments.count - 1
        return SpoolPosition(segment: last, offset: self.segments[last].bytes)
    }
}
