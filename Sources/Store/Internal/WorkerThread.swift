import Foundation

/// One OS thread that runs jobs in order. Every blocking libpq call runs here, never on the cooperative pool, and the
/// connection's `PGconn*` is only ever touched from this thread.
///
/// When `poll` is set (by a job, so only on this thread) the thread calls it between jobs instead of sleeping; the
/// listener uses this to wait on the socket for notifications for a bounded time.
final class WorkerThread: @unchecked Sendable {
    // `jobs` and `stopped` are guarded by `condition`; `poll` is only used on the worker thread.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false
    var poll: (() -> Void)?

    init(name: String) {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job; false when the thread has been stopped.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        guard !self.stopped else { return false }
        self.jobs.append(job)
        self.condition.signal()
        return true
    }

    /// Runs `body` on the thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = self.submit { continuation.resume(with: Result { try body() }) }
            if !accepted {
                continuation.resume(throwing: PostgresError(code: .connection, message: "the connection is closed"))
            }
        }
    }

    /// Lets the thread finish the queued jobs, then exit.
    func stop() {
        self.condition.lock()
        self.stopped = true
        self.condition.signal()
        self.condition.unlock()
    }

    private func loop() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty && !self.stopped && self.poll == nil {
                self.condition.wait()
            }
            let batch = self.jobs
            self.jobs = []
            let stopped = self.stopped
            self.condition.unlock()
            for job in batch { job() }
            if batch.isEmpty {
                if stopped { return }
                self.poll?()
            }
        }
    }
}
