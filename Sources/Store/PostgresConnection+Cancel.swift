import CLibPQ
import Foundation
import Synchronization

/// The connection's `PGcancel*`, usable from any thread: a cancelled task sends the server a cancel request for
/// the statement it is waiting on.
///
/// `@unchecked Sendable`: the pointer is only touched under `lock`.
final class CancelHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var handle: OpaquePointer?

    /// On the worker thread, after every (re)connect: a fresh handle for the new backend.
    func refresh(from conn: OpaquePointer) {
        let fresh = PQgetCancel(conn)
        self.lock.lock()
        let old = self.handle
        self.handle = fresh
        self.lock.unlock()
        if let old { PQfreeCancel(old) }
    }

    /// Sends a cancel request for whatever the backend is running; false if it could not be sent.
    @discardableResult
    func cancel() -> Bool {
        self.lock.lock()
        defer { self.lock.unlock() }
        guard let handle = self.handle else { return false }
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(handle, &buffer, Int32(buffer.count)) == 1
    }

    deinit {
        if let handle { PQfreeCancel(handle) }
    }
}

/// One statement's place in the cancel protocol: a task cancelled while the statement waits in the queue skips it;
/// one cancelled while it runs sends PQcancel, under the lock, so the statement cannot finish and the next one
/// start in between.
final class StatementCancellation: Sendable {
    private enum Phase { case queued, running, finished, cancelled }
    private let phase = Mutex(Phase.queued)

    /// On the worker thread, before running: false when the task was cancelled already.
    func begin() -> Bool {
        self.phase.withLock { phase in
            guard phase == .queued else { return false }
            phase = .running
            return true
        }
    }

    /// On the worker thread, after running.
    func end() {
        self.phase.withLock { $0 = .finished }
    }

    /// From the cancelling task.
    func cancel(_ handle: CancelHandle) {
        self.phase.withLock { phase in
            switch phase {
            case .queued: phase = .cancelled
            case .running: handle.cancel()
            case .finished, .cancelled: break
            }
        }
    }
}
