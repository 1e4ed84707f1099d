internal import CGRPC
import GRPCCore
import Synchronization

/// Receives the messages of one call, one `RECV_MESSAGE` at a time, driven by the consumer.
///
/// At most one receive is outstanding per call. When the consumer takes a message, the next receive starts so it
/// overlaps with the consumer's work; nothing more is read until that one is taken, so a slow consumer pushes back
/// on the sender through HTTP/2 flow control.
final class MessageReader: Sendable {
    enum Outcome: Sendable {
        case message([UInt8])
        /// The peer half-closed: no more messages.
        case end
        /// The receive failed: the call was cancelled, timed out or broke.
        case failed
    }

    private struct State {
        var inFlight = false
        var buffered: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
        var finished = false
    }

    private let call: CallHandle
    private let state = Mutex(State())

    init(call: CallHandle) {
        self.call = call
    }

    /// Starts the next receive now unless one is pending, buffered or the stream ended.
    func prefetch() {
        let start = self.state.withLock { state in
            guard !state.inFlight, state.buffered == nil, !state.finished else { return false }
            state.inFlight = true
            return true
        }
        if start { self.startReceive() }
    }

    /// The next message, or how the stream ended. Cancelling the waiting task cancels the call.
    func next() async -> Outcome {
        if let ready = self.takeBuffered() {
            return self.delivered(ready)
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                enum Action { case resume(Outcome), startReceive, wait }
                let action: Action = self.state.withLock { state in
                    if let buffered = state.buffered {
                        state.buffered = nil
                        return .resume(buffered)
                    }
                    if state.finished && !state.inFlight {
                        return .resume(.end)
                    }
                    state.waiter = continuation
                    if state.inFlight { return .wait }
                    state.inFlight = true
                    return .startReceive
                }
                switch action {
                case .resume(let outcome): continuation.resume(returning: outcome)
                case .startReceive: self.startReceive()
                case .wait: break
                }
            }
        } onCancel: {
            self.call.cancel()
        }
        return self.delivered(outcome)
    }

    private func takeBuffered() -> Outcome? {
        self.state.withLock { state in
            if let buffered = state.buffered {
                state.buffered = nil
                return buffered
            }
            return state.finished && !state.inFlight ? .end : nil
        }
    }

    private func delivered(_ outcome: Outcome) -> Outcome {
        if case .message = outcome { self.prefetch() }
        return outcome
    }

    private func startReceive() {
        let batch = Batch()
        batch.receiveMessage()
        let started = self.call.start(batch) { batch, success in
            let outcome: Outcome
            if success {
                switch batch.takeMessage() {
                case .message(let bytes): outcome = .message(bytes)
                case .endOfStream: outcome = .end
                case .unreadable: outcome = .failed
                }
            } else {
                outcome = .failed
            }
            self.received(outcome)
        }
        if !started { self.received(.failed) }
    }

    private func received(_ outcome: Outcome) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            state.inFlight = false
            if case .message = outcome {} else { state.finished = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffered = outcome
            return nil
        }
        waiter?.resume(returning: outcome)
    }
}
