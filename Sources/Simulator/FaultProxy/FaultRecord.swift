import Foundation

/// What a toxic did, as logged.
public enum FaultEffect: String, Sendable, Hashable, Codable, CaseIterable {
    /// The toxic was added to the proxy.
    case added
    /// It was removed by a caller.
    case removed
    /// A timed toxic ran out and the proxy removed it.
    case expired
    /// `down`: a new connection was closed as soon as it was accepted.
    case refused
    /// `drop_first_connections`: a new connection was closed as soon as it was accepted.
    case droppedConnection = "dropped_connection"
    /// `blackhole` / `timeout`: a chunk was swallowed.
    case swallowed
    /// `drop_first_chunks`: a chunk was swallowed.
    case droppedChunk = "dropped_chunk"
    /// `latency`: a chunk was delayed (`delay_ms`).
    case delayed
    /// `bandwidth`: a chunk was paced (`delay_ms`: until its last byte goes out).
    case throttled
    /// `slicer`: a chunk was split (`pieces`).
    case sliced
    /// `limit_data`: the limit was reached; `bytes` is what was still forwarded of the chunk; then closed.
    case limited
    /// `reset_peer`: the connection was reset.
    case reset
    /// `down` / `timeout`: an open connection was closed.
    case closed
}

/// One entry of a proxy's fault log: which proxy and device group, which toxic, which way, what it did and to what
/// (connection id, bytes). Encoded as one JSON object per line by `FaultLog.jsonLines()`.
public struct FaultRecord: Sendable, Hashable, Codable {
    /// 1, 2, 3... per proxy; a gap in an export means the bounded log dropped the oldest records.
    public var sequence: UInt64
    /// Wall-clock time of the application.
    public var time: Date
    public var proxy: String
    public var group: String?
    public var toxic: String
    public var type: String
    public var direction: ToxicDirection
    public var effect: FaultEffect
    /// The proxy's id of the connection (1, 2, ... in accept order); nil for added/removed/expired.
    public var connection: UInt64?
    public var bytes: Int?
    public var delayMilliseconds: Double?
    /// `sliced`: how many pieces.
    public var pieces: Int?

    enum CodingKeys: String, CodingKey {
        case sequence, time, proxy, group, toxic, type, direction, effect, connection, bytes, pieces
        case delayMilliseconds = "delay_ms"
    }

    public init(
        sequence: UInt64,
        time: Date,
        proxy: String,
        group: String?,
        toxic: String,
        type: String,
        direction: ToxicDirection,
        effect: FaultEffect,
        connection: UInt64? = nil,
        bytes: Int? = nil,
        delayMilliseconds: Double? = nil,
        pieces: Int? = nil
    ) {
        self.sequence = sequence
        self.time = time
        self.proxy = proxy
        self.group = group
        self.toxic = toxic
        self.type = type
        self.direction = direction
        self.effect = effect
        self.connection = connection
        self.bytes = bytes
        self.delayMilliseconds = delayMilliseconds
        self.pieces = pieces
    }
}
