import Synchronization

/// A count of messages the consumer may hold at once. `acquire` takes one without suspending while any is left,
/// so a dispatcher with room never waits for the executor; when none is left it waits until a handled message
/// gives one back (`release`), first come first served.
final class MessageCredits: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []

        mutating func take() -> Bool {
            guard self.available > 0 else { return false }
            self.available -= 1
            return true
        }
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        self.state = Mutex(State(available: max(1, count)))
    }

    func acquire() async {
        guard !self.state.withLock({ $0.take() }) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let took = self.state.withLock { state in
                if state.take() { return true }
                state.waiting.append(continuation)
                return false
            }
            if took { continuation.resume() }
        }
    }

    /// Gives a credit back, straight to the longest waiter if there is one.
    func release() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.waiting.isEmpty else { return state.waiting.removeFirst() }
            state.available += 1
            return nil
        }
        waiter?.resume()
    }

    /// Credits left, and callers waiting for one (for tests).
    var available: Int { self.state.withLock { $0.available } }
    var waiting: Int { self.state.withLock { $0.waiting.count } }
}
