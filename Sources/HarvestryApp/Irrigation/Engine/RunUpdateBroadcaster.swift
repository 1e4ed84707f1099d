import Domain
import Foundation
import Synchronization

/// In-process wake-ups for `updates(of:)` streams: each change this process stores wakes the streams of that run
/// at once (other instances' changes are found by the streams' polling). Streams are held weakly, so an abandoned
/// stream leaves nothing behind.
final class RunUpdateBroadcaster: Sendable {
    private let signals = Mutex<[UUID: [WeakSignal]]>([:])

    /// A signal that `publish` wakes for `runID`.
    func signal(for runID: UUID) -> RunSignal {
        let signal = RunSignal()
        self.signals.withLock { signals in
            signals[runID, default: []].removeAll { $0.signal == nil }
            signals[runID, default: []].append(WeakSignal(signal: signal))
        }
        return signal
    }

    /// Wakes the streams of `run`.
    func publish(_ run: IrrigationRun) {
        let live = self.signals.withLock { signals in
            let live = (signals[run.id] ?? []).compactMap(\.signal)
            signals[run.id] = live.isEmpty ? nil : live.map { WeakSignal(signal: $0) }
            return live
        }
        for signal in live { signal.notify() }
    }

    private struct WeakSignal: Sendable {
        weak var signal: RunSignal?
    }
}

/// A wake-up one waiter awaits: `notify` before the wait is kept, so none is lost.
final class RunSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func notify() {
        let waiter = self.state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil as CheckedContinuation<Void, Never>?
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next notification, after `timeout`, or on cancellation, whichever comes first.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.next() }
            await group.next()
            group.cancelAll()
        }
    }

    private func next() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// The last run an `updates(of:)` stream yielded. Its producer is called by one consumer at a time.
final class RunCursor: Sendable {
    private let value = Mutex<IrrigationRun?>(nil)

    var last: IrrigationRun? {
        get { self.value.withLock { $0 } }
        set { self.value.withLock { $0 = newValue } }
    }
}
