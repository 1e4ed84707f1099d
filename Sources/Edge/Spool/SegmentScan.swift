/// The valid prefix of a segment file: its magic, then records whose checksums pass and whose sequences run on
/// from the segment's first one. Recovery keeps that prefix and truncates the rest (a torn tail after kill -9 or a
/// power cut). Pure: no I/O.
struct SegmentScan: Equatable {
    var firstSequence: UInt64
    /// `firstSequence - 1` when the segment holds no record.
    var lastSequence: UInt64
    /// Bytes of the valid prefix (0 when even the magic is missing or wrong).
    var validBytes: Int
    /// Why the scan stopped before the end of the bytes; nil when they are all valid.
    var damage: String?

    var recordCount: UInt64 { self.lastSequence &+ 1 &- self.firstSequence }

    static func scan(_ bytes: [UInt8], firstSequence: UInt64) -> SegmentScan {
        var scan = SegmentScan(firstSequence: firstSequence, lastSequence: firstSequence &- 1, validBytes: 0)
        let magic = SpoolRecord.segmentMagic
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            scan.damage = bytes.isEmpty ? "empty file" : "missing segment header"
            return scan
        }
        scan.validBytes = magic.count
        bytes.withUnsafeBytes { raw in
            while scan.validBytes < raw.count {
                switch SpoolRecord.decode(raw, at: scan.validBytes) {
                case .record(let sequence, _, let size):
                    guard sequence == scan.lastSequence &+ 1 else {
                        scan.damage = "sequence \(sequence) where \(scan.lastSequence &+ 1) was expected"
                        return
                    }
                    scan.lastSequence = sequence
                    scan.validBytes += size
                case .incomplete:
                    scan.damage = "incomplete record at byte \(scan.validBytes)"
                    return
                case .corrupt(let why):
                    scan.damage = "\(why) at byte \(scan.validBytes)"
                    return
                }
            }
        }
        return scan
    }
}
