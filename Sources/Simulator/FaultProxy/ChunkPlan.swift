/// What to do with one chunk read from one side of a connection: forward these pieces at these times (none: the
/// chunk is swallowed), then maybe close; and what each toxic did, for the fault log.
struct ChunkPlan: Sendable, Hashable {
    struct Piece: Sendable, Hashable {
        /// Byte range within the chunk.
        var offset: Int
        var length: Int
        /// When to write it: monotonic time since the proxy's start. Never before an earlier piece of the same flow.
        var release: Duration
    }

    var pieces: [Piece] = []
    /// Close the connection once the pieces are written (`limit_data` reached).
    var closeAfterward = false
    var applications: [ToxicApplication] = []

    var forwardedBytes: Int { self.pieces.reduce(0) { $0 + $1.length } }
}

/// One toxic acting once: the raw material of a `FaultRecord`.
struct ToxicApplication: Sendable, Hashable {
    var toxic: ActiveToxic
    var effect: FaultEffect
    var bytes: Int?
    var delay: Duration?
    var pieceCount: Int?
}

/// Per connection and flow direction: what planning needs to remember between chunks.
struct ProxyFlowState: Sendable, Hashable {
    /// The release time of the last piece planned: later pieces never overtake it.
    var lastRelease: Duration = .zero
    /// `limit_data` toxic id -> bytes forwarded on this flow since it applied.
    var limitedBytes: [UInt64: Int] = [:]
    /// Toxic id -> its generator on this flow (jitter, slice sizes), see `ToxicTable.generator`.
    var generators: [UInt64: ProxyRandom] = [:]
}
