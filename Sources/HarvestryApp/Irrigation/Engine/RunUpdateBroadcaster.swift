import Domain
import Foundation
import Synchronization

/// In-process fan-out of run changes to `updates(of:)` streams. It sees the changes this process makes (the engine
/// of this instance), not those of other instances.
final class RunUpdateBroadcaster: Sendable {
    typealias Continuation = AsyncThrowingStream<IrrigationRun, any Error>.Continuation

    private let subscribers = Mutex<[UUID: [UUID: Continuation]]>([:])

    /// Registers `continuation` for `runID`; it is removed when its stream terminates.
    func subscribe(_ runID: UUID, _ continuation: Continuation) {
        let token = UUID()
        self.subscribers.withLock { $0[runID, default: [:]][token] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { subscribers in
                subscribers[runID]?[token] = nil
                if subscribers[runID]?.isEmpty == true { subscribers[runID] = nil }
            }
        }
    }

    /// Yields `run` to its subscribers, finishing them once it is Completed or Aborted.
    func publish(_ run: IrrigationRun) {
        let continuations = self.subscribers.withLock { subscribers in
            let current = subscribers[run.id].map { Array($0.values) } ?? []
            if run.status.isFinished { subscribers[run.id] = nil }
            return current
        }
        for continuation in continuations {
            continuation.yield(run)
            if run.status.isFinished { continuation.finish() }
        }
    }
}
