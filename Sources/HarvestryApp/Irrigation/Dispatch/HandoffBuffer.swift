import Synchronization

/// Items waiting for a consumer (acks for the ack writers, settlements for the sink): `put` waits while `capacity`
/// are held (consumed or not: backpressure, nothing dropped), `take` waits for at least one and takes up to
/// `limit`; `release` frees what a consumer has finished. `finish` lets the consumers drain and stop.
final class HandoffBuffer<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var held = 0
        var finished = false
        var takers: [CheckedContinuation<Void, Never>] = []
        var putters: [CheckedContinuation<Void, Never>] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func put(_ item: Element) async {
        while true {
            let full = self.state.withLock { $0.held >= self.capacity }
            if !full { break }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stillFull = self.state.withLock { state in
                    guard state.held >= self.capacity else { return false }
                    state.putters.append(continuation)
                    return true
                }
                if !stillFull { continuation.resume() }
            }
        }
        let taker = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(item)
            state.held += 1
            return state.takers.isEmpty ? nil : state.takers.removeFirst()
        }
        taker?.resume()
    }

    /// Up to `limit` items, waiting while there are none; nil once finished and empty.
    func take(limit: Int) async -> [Element]? {
        while true {
            let batch = self.state.withLock { state -> [Element]?? in
                if !state.items.isEmpty {
                    let batch = Array(state.items.prefix(limit))
                    state.items.removeFirst(batch.count)
                    return .some(batch)
                }
                return state.finished ? .some(nil) : .none
            }
            if let batch { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state in
                    guard state.items.isEmpty && !state.finished else { return true }
                    state.takers.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    func release(_ count: Int) {
        let putters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.held -= count
            defer { state.putters.removeAll() }
            return state.putters
        }
        for putter in putters { putter.resume() }
    }

    func finish() {
        let takers = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.takers.removeAll() }
            return state.takers
        }
        for taker in takers { taker.resume() }
    }
}
