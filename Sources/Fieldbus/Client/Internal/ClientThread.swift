import Foundation

/// The client's own OS thread: every blocking libmodbus call runs here in order, never on the cooperative pool.
///
/// Closing is one step under the lock: `close(last:)` marks the thread closed, queues `last` (which frees the
/// context) and lets the thread exit after it. A job queued earlier but not yet started sees the mark when its turn
/// comes and fails with `.closed` instead of touching the freed context.
final class ClientThread: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var closed = false

    init(name: String) {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            self.condition.lock()
            defer { self.condition.unlock() }
            guard !self.closed else {
                continuation.resume(throwing: Self.closedError)
                return
            }
            self.jobs.append { [self] in
                guard !self.isClosed else {
                    continuation.resume(throwing: Self.closedError)
                    return
                }
                continuation.resume(with: Result { try body() })
            }
            self.condition.signal()
        }
    }

    /// Marks the thread closed, runs `last` after the job in flight (jobs still queued fail with `.closed`), then
    /// lets the thread exit. Returns false, without running `last`, when the thread was already closed.
    func close(last: @escaping @Sendable () -> Void) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            self.condition.lock()
            defer { self.condition.unlock() }
            guard !self.closed else {
                continuation.resume(returning: false)
                return
            }
            self.closed = true
            self.jobs.append {
                last()
                continuation.resume(returning: true)
            }
            self.condition.signal()
        }
    }

    private static var closedError: ModbusError { ModbusError(code: .closed, message: "the client is closed") }

    private var isClosed: Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.closed
    }

    private func loop() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty && !self.closed { self.condition.wait() }
            let batch = self.jobs
            self.jobs = []
            self.condition.unlock()
            for job in batch { job() }
            // The closing job is the last one ever queued: once the queue drains after closing, the thread is done.
            self.condition.lock()
            let done = self.closed && self.jobs.isEmpty
            self.condition.unlock()
            if done { return }
        }
    }
}
