import Synchronization

/// A value set once and awaited by any number of tasks.
final class Promise<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Sets the value and wakes every waiter. Later calls are ignored; returns whether this call set it.
    @discardableResult
    func fulfil(_ value: Value) -> Bool {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Value, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return false }
        waiters.forEach { $0.resume(returning: value) }
        return true
    }

    var current: Value? { self.state.withLock { $0.value } }

    var value: Value {
        get async {
            if let value = self.current { return value }
            return await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
