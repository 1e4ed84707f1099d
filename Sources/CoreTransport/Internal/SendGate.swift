import Synchronization

/// Keeps at most one `SEND_MESSAGE` in flight on a call.
///
/// A write starts its batch and returns at once; the next write waits until the previous one completed. That keeps
/// one message of pipelining (the producer prepares the next while the core sends) and bounds memory per call.
final class SendGate: Sendable {
    private struct State {
        var inFlight = false
        var failed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Waits until no send is in flight, then claims the slot. Returns false when an earlier send failed.
    func acquire() async -> Bool {
        let claimed = self.state.withLock { state -> Bool? in
            if state.failed { return false }
            if state.inFlight { return nil }
            state.inFlight = true
            return true
        }
        if let claimed { return claimed }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = self.state.withLock { state -> Bool in
                if !state.inFlight || state.failed { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return self.state.withLock { state in
            if state.failed { return false }
            state.inFlight = true
            return true
        }
    }

    /// Waits until no send is in flight without claiming the slot. Returns false when an earlier send failed.
    func drain() async -> Bool {
        guard await self.acquire() else { return false }
        self.release(success: true)
        return true
    }

    /// Marks the in-flight send done (called from the completion queue).
    func release(success: Bool) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight = false
            if !success { state.failed = true }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
