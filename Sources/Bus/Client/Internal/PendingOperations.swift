/// Which waiter a broker acknowledgement (PUBACK, SUBACK) completes, keyed by the message id libmosquitto assigned.
///
/// libmosquitto hands out the id as it queues the packet, and its network thread may process the acknowledgement
/// before the caller has registered to wait for it; completions that arrive first are kept until the caller claims
/// them. QoS 0 publishes get an id and a completion too but nobody waits: `ignore` drops them either way round.
/// Pure value; the client keeps it behind a Mutex.
struct PendingOperations<Waiter> {
    private var waiters: [Int32: Waiter] = [:]
    private var early: [Int32: Int32] = [:]
    private var ignored: Set<Int32> = []

    /// What `register` decided.
    enum Registration {
        /// Wait: the waiter is stored and `complete` returns it.
        case wait
        /// Already acknowledged, with this result code.
        case completed(Int32)
    }

    var isEmpty: Bool { self.waiters.isEmpty && self.early.isEmpty && self.ignored.isEmpty }

    mutating func register(mid: Int32, waiter: Waiter) -> Registration {
        if let code = self.early.removeValue(forKey: mid) { return .completed(code) }
        self.waiters[mid] = waiter
        return .wait
    }

    /// Nobody will wait for `mid` (a QoS 0 publish, a resubscription).
    mutating func ignore(mid: Int32) {
        if self.early.removeValue(forKey: mid) == nil { self.ignored.insert(mid) }
    }

    /// The acknowledgement of `mid` arrived: the waiter to resume, or nil when nobody waits (yet).
    mutating func complete(mid: Int32, code: Int32) -> Waiter? {
        if let waiter = self.waiters.removeValue(forKey: mid) { return waiter }
        if self.ignored.remove(mid) == nil { self.early[mid] = code }
        return nil
    }

    /// Every waiter, for failing them when the client closes.
    mutating func removeAll() -> [Waiter] {
        defer {
            self.waiters = [:]
            self.early = [:]
            self.ignored = []
        }
        return Array(self.waiters.values)
    }
}
