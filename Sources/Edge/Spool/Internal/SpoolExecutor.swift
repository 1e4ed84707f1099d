import Foundation

/// The thread every `FileSpool` of the process runs on. Appends block in write + fdatasync and recovery reads
/// whole segments; on this thread they never hold one of the cooperative pool's threads (two on the edge box).
final class SpoolExecutor: SerialExecutor, @unchecked Sendable {
    static let shared = SpoolExecutor()

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [self] in self.serve() }
        thread.name = "harvestry-spool"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.condition.lock()
        self.jobs.append(job)
        self.condition.signal()
        self.condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private func serve() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty { self.condition.wait() }
            let ready = self.jobs
            self.jobs.removeAll(keepingCapacity: true)
            self.condition.unlock()
            for job in ready { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
        }
    }
}
