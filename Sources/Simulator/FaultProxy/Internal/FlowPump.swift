import NIOCore

/// Writes one flow's planned pieces to its destination at their release times, in order, with one timer for the
/// head of the queue. Stops reading the source while much is queued (latency and bandwidth hold data back) or while
/// the destination is not writable (its reader is slow), so a slow side slows the other instead of filling memory.
/// Confined to the connection's event loop (so `@unchecked Sendable`, like `ProxyConnection`).
final class FlowPump: @unchecked Sendable {
    let flow: FlowDirection
    var source: (any Channel)?
    var destination: (any Channel)?
    var state = ProxyFlowState()
    private unowned let connection: ProxyConnection
    private var queue: [(release: Duration, data: ByteBuffer?, closeAfter: Bool)] = []
    private var head = 0
    private var timer: Scheduled<Void>?
    private var queuedBytes = 0
    private var sourceFinished = false
    private var readingPaused = false

    static let pauseAbove = 4 << 20
    static let resumeBelow = 1 << 20

    init(
        flow: FlowDirection,
        source: (any Channel)? = nil,
        destination: (any Channel)? = nil,
        connection: ProxyConnection
    ) {
        self.flow = flow
        self.source = source
        self.destination = destination
        self.connection = connection
    }

    func enqueue(_ plan: ChunkPlan, from buffer: ByteBuffer) {
        for piece in plan.pieces {
            let slice = buffer.getSlice(at: buffer.readerIndex + piece.offset, length: piece.length)
            self.queue.append((piece.release, slice, false))
            self.queuedBytes += piece.length
        }
        if plan.closeAfterward {
            self.queue.append((self.queue.last?.release ?? .zero, nil, true))
        }
        self.drain()
    }

    /// The destination's writability changed: resume or pause reading the source.
    func destinationWritabilityChanged() {
        self.updateReading()
    }

    private func updateReading() {
        let writable = self.destination?.isWritable ?? true
        let shouldPause =
            !writable || self.queuedBytes > Self.pauseAbove
            || (self.readingPaused && self.queuedBytes >= Self.resumeBelow)
        guard shouldPause != self.readingPaused, !self.connection.isClosed else { return }
        self.readingPaused = shouldPause
        self.source?.setOption(ChannelOptions.autoRead, value: !shouldPause).whenFailure { _ in }
    }

    func finish() {
        self.sourceFinished = true
        self.drain()
    }

    func discard() {
        self.timer?.cancel()
        self.timer = nil
        self.queue = []
        self.head = 0
    }

    private func drain() {
        guard !self.connection.isClosed else { return }
        let now = self.connection.proxyNow
        var wrote = false
        while self.head < self.queue.count, self.queue[self.head].release <= now {
            let item = self.queue[self.head]
            self.head += 1
            if let data = item.data {
                self.queuedBytes -= data.readableBytes
                self.destination?.write(data, promise: nil)
                wrote = true
            }
            if item.closeAfter {
                self.destination?.flush()
                self.connection.close()
                return
            }
        }
        if wrote { self.destination?.flush() }
        if self.head == self.queue.count {
            self.queue.removeAll(keepingCapacity: true)
            self.head = 0
        }
        self.updateReading()
        self.timer?.cancel()
        self.timer = nil
        if self.head < self.queue.count {
            let release = self.queue[self.head].release
            self.timer = self.connection.eventLoop.scheduleTask(deadline: self.connection.deadline(release)) {
                self.drain()
            }
        } else if self.sourceFinished {
            self.connection.close()
        }
    }
}
