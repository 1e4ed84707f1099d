import Foundation

/// The client's own OS thread: every blocking libmodbus call runs here in order, never on the cooperative pool.
final class ClientThread: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            self.condition.lock()
            defer { self.condition.unlock() }
            guard !self.stopped else {
                continuation.resume(throwing: ModbusError(code: .closed, message: "the client is closed"))
                return
            }
            self.jobs.append { continuation.resume(with: Result { try body() }) }
            self.condition.signal()
        }
    }

    /// Runs the queued jobs, then lets the thread exit.
    func stop() {
        self.condition.lock()
        self.stopped = true
        self.condition.signal()
        self.condition.unlock()
    }

    private func loop() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty && !self.stopped { self.condition.wait() }
            let batch = self.jobs
            self.jobs = []
            let stopped = self.stopped
            self.condition.unlock()
            for job in batch { job() }
            if batch.isEmpty && stopped { return }
        }
    }
}
