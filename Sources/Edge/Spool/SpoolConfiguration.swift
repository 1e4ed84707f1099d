/// Where the spool lives and how large it may grow (docs/edge.md, "Spool").
public struct SpoolConfiguration: Sendable, Hashable {
    /// What `append` does when the new readings do not fit in `maximumBytes`.
    public enum FullPolicy: String, Sendable, Hashable, CaseIterable {
        /// Delete the oldest segment (unsent readings included), log each drop at error level with the sequences
        /// lost, count them in `SpoolStatus.dropped`, and store the new readings. The agent keeps recording the
        /// present through an outage longer than the spool holds.
        case dropOldest = "drop-oldest"
        /// Keep every stored reading, refuse the new ones (`SpoolError.full`, counted in `dropped`, logged).
        case rejectNewest = "reject-newest"
    }

    /// The spool's directory; created when missing.
    public var directory: String
    /// The most bytes the segment files may take together.
    public var maximumBytes: Int64
    /// A segment is closed and a new one started past this size; the full policy frees whole segments, so it is
    /// capped at a quarter of `maximumBytes`.
    public var segmentBytes: Int64
    public var fullPolicy: FullPolicy

    public static let minimumBytes: Int64 = 4096

    public init(
        directory: String,
        maximumBytes: Int64 = 256 * 1024 * 1024,
        segmentBytes: Int64 = 8 * 1024 * 1024,
        fullPolicy: FullPolicy = .dropOldest
    ) {
        self.directory = directory
        self.maximumBytes = maximumBytes
        self.segmentBytes = segmentBytes
        self.fullPolicy = fullPolicy
    }

    /// The segment size in effect: `segmentBytes`, at most a quarter of `maximumBytes`.
    var effectiveSegmentBytes: Int64 { min(self.segmentBytes, self.maximumBytes / 4) }

    func validate() throws(SpoolError) {
        guard !self.directory.isEmpty else {
            throw SpoolError(.invalidConfiguration, "spool.directory is required")
        }
        guard self.maximumBytes >= Self.minimumBytes else {
            throw SpoolError(
                .invalidConfiguration,
                "spool.max_bytes must be at least \(Self.minimumBytes) (got \(self.maximumBytes))"
            )
        }
        guard self.segmentBytes >= 1024 else {
            throw SpoolError(.invalidConfiguration, "spool.segment_bytes must be at least 1024 (got \(self.segmentBytes))")
        }
    }
}
