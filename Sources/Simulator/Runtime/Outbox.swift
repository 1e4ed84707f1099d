import Synchronization

/// The publish side of one broker connection. While the connection is up and its spool empty, messages go straight
/// to `lanes` (a device always to the same lane, so its messages stay in order; lanes publish concurrently). While
/// it is down, or while the spool still holds older messages, they are appended to the spool (durable) instead, and
/// after a reconnect `drain` replays the spool in order, each record removed after its PUBACK, before messages go
/// straight again. The spool's file work runs on the run's `FileIOQueue` (`QueuedSpool`), in the order decided here.
final class Outbox: Sendable {
    enum Route: Equatable {
        case direct
        case spooled
    }

    private struct State {
        var connected = false
        var draining = false
        /// Messages given to lanes and not yet through `publish`.
        var laneBacklog = 0
        /// Records on disk in the spool (appended and `fsync`ed, not yet removed), as of its last job.
        var spooled: Int
        /// Appends queued for the file thread and not yet on disk: nothing goes live or is replayed past them.
        var appending = 0
    }

    private let state: Mutex<State>
    private let spool: QueuedSpool
    private let lanes: [AsyncStream<OutboundMessage>.Continuation]
    let laneStreams: [AsyncStream<OutboundMessage>]

    /// `spooled`: the records `spool` holds already (left by an earlier run).
    init(spool: QueuedSpool, spooled: Int, laneCount: Int) {
        self.state = Mutex(State(spooled: spooled))
        self.spool = spool
        var continuations: [AsyncStream<OutboundMessage>.Continuation] = []
        var streams: [AsyncStream<OutboundMessage>] = []
        for _ in 0..<max(1, laneCount) {
            let (stream, continuation) = AsyncStream<OutboundMessage>.makeStream()
            streams.append(stream)
            continuations.append(continuation)
        }
        self.lanes = continuations
        self.laneStreams = streams
    }

    /// Queues `messages` (in order) on the live path, or appends them to the spool and returns once they are on disk
    /// (counted in `spooledCount` only then); returns which.
    @discardableResult
    func submit(_ messages: [OutboundMessage]) async throws(SimFileError) -> Route {
        guard !messages.isEmpty else { return .direct }
        // The common case, connected with nothing spooled, needs no continuation.
        if self.state.withLock({ self.sendLive(messages, &$0) }) { return .direct }
        let appended = await withCheckedContinuation {
            (done: CheckedContinuation<Result<Void, SimFileError>?, Never>) in
            let live = self.state.withLock { state in
                // Decided again: the connection may have come up meanwhile.
                if self.sendLive(messages, &state) { return true }
                // Queued under the lock: appends reach the file in the order they were decided.
                state.appending += 1
                self.spool.enqueue { (spool: Spool) throws(SimFileError) in
                    try spool.append(messages.map(\.spoolRecord))
                } completion: { result, count in
                    self.state.withLock { state in
                        state.appending -= 1
                        state.spooled = count
                    }
                    done.resume(returning: result)
                }
                return false
            }
            if live { done.resume(returning: nil) }
        }
        guard let appended else { return .direct }
        try appended.get()
        return .spooled
    }

    /// Hands `messages` to their lanes when they may go live (connected, not draining, nothing spooled or being
    /// spooled); false otherwise.
    private func sendLive(_ messages: [OutboundMessage], _ state: inout State) -> Bool {
        guard state.connected, !state.draining, state.spooled == 0, state.appending == 0 else { return false }
        state.laneBacklog += messages.count
        for message in messages { self.lanes[Self.lane(of: message.device, count: self.lanes.count)].yield(message) }
        return true
    }

    /// Connected with nothing to replay: what is submitted now goes straight to the lanes.
    var isLive: Bool {
        self.state.withLock { $0.connected && !$0.draining && $0.spooled == 0 && $0.appending == 0 }
    }

    func setConnected(_ connected: Bool) {
        self.state.withLock { $0.connected = connected }
    }

    func laneFinished() {
        self.state.withLock { $0.laneBacklog -= 1 }
    }

    var spooledCount: Int { self.state.withLock { $0.spooled } }
    var isIdle: Bool {
        self.state.withLock { $0.laneBacklog == 0 && $0.spooled == 0 && $0.appending == 0 && !$0.draining }
    }

    /// Starts a drain unless one runs or the connection is down; true when the caller should run it.
    func beginDrain() -> Bool {
        self.state.withLock { state in
            guard state.connected, !state.draining else { return false }
            state.draining = true
            return true
        }
    }

    /// Records replayed per step: published concurrently across lanes (in order within a device), removed together.
    static let drainWindow = 256

    enum DrainStep {
        /// Replay `messages`, then remove `records` records (more than `messages` when some were unreadable).
        case publish([OutboundMessage], records: Int)
        /// Wait: older messages are still in the lanes, or an append is not on disk yet.
        case wait
        case done
    }

    /// The next records to replay; `.done` ends the drain (the spool is empty: later messages go live; or the
    /// connection broke: the next reconnect drains again).
    func nextDrainStep() async throws(SimFileError) -> DrainStep {
        let ready = self.state.withLock { (state: inout State) -> DrainStep? in
            guard state.connected else {
                state.draining = false
                return .done
            }
            guard state.laneBacklog == 0, state.appending == 0 else { return .wait }
            guard state.spooled > 0 else {
                state.draining = false
                return .done
            }
            return nil
        }
        if let ready { return ready }
        let records = try await self.onSpool { (spool: Spool) throws(SimFileError) in
            try spool.peek(max: Self.drainWindow)
        }
        guard !records.isEmpty else { return .wait }
        // A record not written by this runtime's encoder (a foreign or damaged file) is skipped, never sent.
        return .publish(records.compactMap(OutboundMessage.init(spoolRecord:)), records: records.count)
    }

    /// The replayed records reached the broker (or libmosquitto's queue): drop them from the spool.
    func drainDelivered(_ records: Int) async throws(SimFileError) {
        try await self.onSpool { (spool: Spool) throws(SimFileError) in
            for _ in 0..<records { try spool.removeFirst() }
        }
    }

    /// Runs `body` on the spool's file thread, keeping `spooled` in step with the spool.
    private func onSpool<T: Sendable>(
        _ body: @escaping @Sendable (Spool) throws(SimFileError) -> T
    ) async throws(SimFileError) -> T {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<T, SimFileError>, Never>) in
            self.spool.enqueue(body) { result, count in
                self.state.withLock { $0.spooled = count }
                done.resume(returning: result)
            }
        }
        return try result.get()
    }

    func stopDraining() {
        self.state.withLock { $0.draining = false }
    }

    func finishLanes() {
        for lane in self.lanes { lane.finish() }
    }

    static func lane(of device: DeviceID, count: Int) -> Int {
        var hash: UInt32 = 0x811C_9DC5
        for byte in device.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return Int(hash % UInt32(count))
    }
}
