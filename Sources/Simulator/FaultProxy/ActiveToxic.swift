/// A toxic while it is on a proxy: its id (unique for the proxy's lifetime, so a timer of a removed toxic never
/// touches a later one of the same name), when it was added and when it expires, and what is left of its count.
public struct ActiveToxic: Sendable, Hashable {
    public let id: UInt64
    public let toxic: Toxic
    /// Monotonic time since the proxy's start.
    public let added: Duration
    public let expires: Duration?
    /// `dropFirstConnections` / `dropFirstChunks`: how many are still to drop.
    public internal(set) var remaining: Int

    init(id: UInt64, toxic: Toxic, added: Duration) {
        self.id = id
        self.toxic = toxic
        self.added = added
        if case .timed(let duration) = toxic.lifetime {
            self.expires = added + duration
        } else {
            self.expires = nil
        }
        switch toxic.kind {
        case .dropFirstConnections(let count), .dropFirstChunks(let count): self.remaining = count
        default: self.remaining = 0
        }
    }
}
