import NIOCore

/// One flow's pieces waiting for their release times, oldest first. A piece leaves the queue (and drops its buffer)
/// as soon as it is taken; the storage is compacted once the taken prefix is at least half of it, so a steady flow
/// under a latency toxic holds only what is still waiting.
///
/// `heldBytes` is what the queue keeps alive: the capacity of every chunk buffer with a piece still waiting (all
/// pieces of a chunk share its buffer), charged to the chunk's last piece and released when that piece is taken.
struct ReleaseQueue {
    struct Item {
        var release: Duration
        var data: ByteBuffer?
        var closeAfter: Bool
        /// Bytes released from `heldBytes` when this item is taken.
        var held: Int
    }

    private var items: [Item] = []
    private var head = 0
    private(set) var heldBytes = 0

    /// Items still waiting.
    var count: Int { self.items.count - self.head }
    /// Items in storage, waiting or taken but not yet compacted away (for tests: stays near `count`).
    var storedCount: Int { self.items.count }
    var nextRelease: Duration? { self.head < self.items.count ? self.items[self.head].release : nil }
    var lastRelease: Duration? { self.items.last.map(\.release) }

    /// Queues the planned pieces of `buffer` and, when asked, a close after them.
    mutating func append(_ plan: ChunkPlan, from buffer: ByteBuffer) {
        for (index, piece) in plan.pieces.enumerated() {
            let slice = buffer.getSlice(at: buffer.readerIndex + piece.offset, length: piece.length)
            let held = index == plan.pieces.count - 1 ? max(buffer.capacity, piece.length) : 0
            self.items.append(Item(release: piece.release, data: slice, closeAfter: false, held: held))
            self.heldBytes += held
        }
        if plan.closeAfterward {
            self.items.append(Item(release: self.lastRelease ?? .zero, data: nil, closeAfter: true, held: 0))
        }
    }

    /// Takes the oldest item if its release time has come.
    mutating func takeDue(now: Duration) -> Item? {
        guard self.head < self.items.count, self.items[self.head].release <= now else { return nil }
        let item = self.items[self.head]
        self.items[self.head].data = nil
        self.head += 1
        self.heldBytes -= item.held
        self.compactIfWorthIt()
        return item
    }

    mutating func removeAll() {
        self.items = []
        self.head = 0
        self.heldBytes = 0
    }

    private mutating func compactIfWorthIt() {
        if self.head == self.items.count {
            self.items.removeAll(keepingCapacity: true)
            self.head = 0
        } else if self.head >= 32 && self.head * 2 >= self.items.count {
            self.items.removeFirst(self.head)
            self.head = 0
        }
    }
}
