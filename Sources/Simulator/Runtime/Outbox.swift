import Synchronization

/// The publish side of one broker connection. While the connection is up and its spool empty, messages go straight
/// to `lanes` (a device always to the same lane, so its messages stay in order; lanes publish concurrently). While
/// it is down, or while the spool still holds older messages, they are appended to the spool (durable) instead, and
/// after a reconnect `drain` replays the spool in order, each record removed after its PUBACK, before messages go
/// straight again.
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
        var spool: Spool
    }

    private let state: Mutex<State>
    private let lanes: [AsyncStream<OutboundMessage>.Continuation]
    let laneStreams: [AsyncStream<OutboundMessage>]

    init(spool: sending Spool, laneCount: Int) {
        self.state = Mutex(State(spool: spool))
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

    /// Queues `messages` (in order) on the live path or in the spool; returns which.
    @discardableResult
    func submit(_ messages: [OutboundMessage]) throws(SimFileError) -> Route {
        guard !messages.isEmpty else { return .direct }
        return try self.state.withLock { (state: inout State) throws(SimFileError) -> Route in
            guard state.connected, !state.draining, state.spool.isEmpty else {
                try state.spool.append(messages.map(\.spoolRecord))
                return .spooled
            }
            state.laneBacklog += messages.count
            for message in messages {
                self.lanes[Self.lane(of: message.device, count: self.lanes.count)].yield(message)
            }
            return .direct
        }
    }

    func setConnected(_ connected: Bool) {
        self.state.withLock { $0.connected = connected }
    }

    func laneFinished() {
        self.state.withLock { $0.laneBacklog -= 1 }
    }

    var spooledCount: Int { self.state.withLock { $0.spool.count } }
    var isIdle: Bool { self.state.withLock { $0.laneBacklog == 0 && $0.spool.isEmpty && !$0.draining } }

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
        /// Wait: older messages are still in the lanes.
        case wait
        case done
    }

    /// The next records to replay; `.done` ends the drain (the spool is empty: later messages go live; or the
    /// connection broke: the next reconnect drains again).
    func nextDrainStep() throws(SimFileError) -> DrainStep {
        try self.state.withLock { (state: inout State) throws(SimFileError) -> DrainStep in
            guard state.connected else {
                state.draining = false
                return .done
            }
            guard state.laneBacklog == 0 else { return .wait }
            let records = try state.spool.peek(max: Self.drainWindow)
            guard !records.isEmpty else {
                state.draining = false
                return .done
            }
            // A record not written by this runtime's encoder (a foreign or damaged file) is skipped, never sent.
            return .publish(records.compactMap(OutboundMessage.init(spoolRecord:)), records: records.count)
        }
    }

    /// The replayed records reached the broker (or libmosquitto's queue): drop them from the spool.
    func drainDelivered(_ records: Int) throws(SimFileError) {
        try self.state.withLock { (state: inout State) throws(SimFileError) in
            for _ in 0..<records { try state.spool.removeFirst() }
        }
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
