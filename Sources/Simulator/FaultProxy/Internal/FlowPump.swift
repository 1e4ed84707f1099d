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
    private var queue = ReleaseQueue()
    private var timer: Scheduled<Void>?
    private var sourceFinished = false
    private var readingPaused = false

    /// Bounds on the bytes the queue holds (`ReleaseQueue.heldBytes`, buffers kept alive, not only bytes pending).
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
        self.queue.append(plan, from: buffer)
        self.drain()
    }

    /// The destination's writability changed: resume or pause reading the source.
    func destinationWritabilityChanged() {
        self.updateReading()
    }

    private func updateReading() {
        let writable = self.destination?.isWritable ?? true
        let shouldPause =
            !writable || self.queue.heldBytes > Self.pauseAbove
            || (self.readingPaused && self.queue.heldBytes >= Self.resumeBelow)
        guard shouldPause != self.readingPaused, !self.connection.isClosed else { return }
        self.readingPaused = shouldPause
        self.source?.setOption(ChannelOptions.autoRead, value: !shouldPause).whenFailure { _ in }
    }

    /// What the pump holds and whether it has stopped reading its source (for tests and diagnostics).
    var status: FlowStatus { FlowStatus(heldBytes: self.queue.heldBytes, readingPaused: self.readingPaused) }

    /// The destination connected: what waited for it goes out now.
    func attach(destination: any Channel) {
        self.destination = destination
        self.drain()
    }

    func finish() {
        self.sourceFinished = true
        self.drain()
    }

    func discard() {
        self.timer?.cancel()
        self.timer = nil
        self.queue.removeAll()
    }

    private func drain() {
        guard !self.connection.isClosed else { return }
        guard self.destination != nil else {
            // Not connected yet: keep everything (and the source finished or not) until `attach`.
            self.updateReading()
            return
        }
        let now = self.connection.proxyNow
        var wrote = false
        while let item = self.queue.takeDue(now: now) {
            if let data = item.data {
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
        self.updateReading()
        self.timer?.cancel()
        self.timer = nil
        if let release = self.queue.nextRelease {
            self.timer = self.connection.eventLoop.scheduleTask(deadline: self.connection.deadline(release)) {
                self.drain()
            }
        } else if self.sourceFinished {
            self.connection.close()
        }
    }
}

/// One flow's back-pressure state: bytes held back and whether the source is not being read.
struct FlowStatus: Sendable, Hashable {
    var heldBytes: Int
    var readingPaused: Bool
}
