import CMosquitto
import Logging
import Synchronization

/// What libmosquitto's callbacks (on its network thread) and the client's callers share: acknowledgement waiters,
/// the first CONNACK, the subscriptions to restore after a reconnect, and the received-message buffer.
final class ClientState: Sendable {
    typealias Waiter = CheckedContinuation<Int32, Never>

    /// Result codes that are not the broker's: the client closed, or the CONNACK did not come in time.
    static let closedCode: Int32 = -1
    static let timedOutCode: Int32 = -2

    private struct Inner {
        var pending = PendingOperations<Waiter>()
        var connack: Int32?
        var connackWaiter: Waiter?
        var closing = false
        var subscriptions: [String: MQTTQoS] = [:]
    }

    private let inner = Mutex(Inner())
    let buffer: MessageBuffer
    let logger: Logger
    let endpoint: String
    /// Told `true` on every reconnect and `false` on every lost connection (not on the first connect or `disconnect`).
    let onConnectionChange: @Sendable (Bool) -> Void

    init(
        receiveBufferSize: Int,
        endpoint: String,
        logger: Logger,
        onConnectionChange: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.buffer = MessageBuffer(capacity: receiveBufferSize)
        self.endpoint = endpoint
        self.logger = logger
        self.onConnectionChange = onConnectionChange
    }

    var isClosing: Bool { self.inner.withLock { $0.closing } }

    // MARK: the first CONNACK

    /// The first CONNACK's code (0: accepted), or `timedOutCode` / `closedCode`.
    func awaitConnack() async -> Int32 {
        await withCheckedContinuation { (waiter: Waiter) in
            let code: Int32? = self.inner.withLock { inner in
                if let code = inner.connack { return code }
                inner.connackWaiter = waiter
                return nil
            }
            if let code { waiter.resume(returning: code) }
        }
    }

    /// Settles the first CONNACK; later calls (a reconnect, a timer that lost the race) return false.
    @discardableResult
    func settleConnack(_ code: Int32) -> Bool {
        let (first, waiter): (Bool, Waiter?) = self.inner.withLock { inner in
            guard inner.connack == nil else { return (false, nil) }
            inner.connack = code
            defer { inner.connackWaiter = nil }
            return (true, inner.connackWaiter)
        }
        waiter?.resume(returning: code)
        return first
    }

    // MARK: acknowledgements

    /// Waits for the acknowledgement of `mid`: the broker's reason code, or `closedCode`.
    func awaitAcknowledgement(of mid: Int32) async -> Int32 {
        await withCheckedContinuation { (waiter: Waiter) in
            let immediate: Int32? = self.inner.withLock { inner in
                if inner.closing { return Self.closedCode }
                if case .completed(let code) = inner.pending.register(mid: mid, waiter: waiter) { return code }
                return nil
            }
            if let immediate { waiter.resume(returning: immediate) }
        }
    }

    func ignoreAcknowledgement(of mid: Int32) {
        self.inner.withLock { $0.pending.ignore(mid: mid) }
    }

    func acknowledged(_ mid: Int32, code: Int32) {
        self.inner.withLock { $0.pending.complete(mid: mid, code: code) }?.resume(returning: code)
    }

    // MARK: subscriptions

    func remember(subscription filter: String, qos: MQTTQoS) {
        self.inner.withLock { $0.subscriptions[filter] = qos }
    }

    var subscriptions: [String: MQTTQoS] { self.inner.withLock { $0.subscriptions } }

    // MARK: closing

    /// Marks the client closing, fails every waiter and ends the message stream. Returns false when already closing.
    func close() -> Bool {
        let waiters: [Waiter]? = self.inner.withLock { inner in
            guard !inner.closing else { return nil }
            inner.closing = true
            return inner.pending.removeAll() + (inner.connackWaiter.map { [$0] } ?? [])
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: Self.closedCode) }
        self.buffer.close()
        return true
    }
}
