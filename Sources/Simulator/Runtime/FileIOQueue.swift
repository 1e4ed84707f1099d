import Dispatch
import NIOPosix
import Synchronization

/// One thread for the simulator's blocking file work (spool appends, reads and fsyncs; ground-truth writes), so
/// none of it runs on the cooperative pool: a single-thread `NIOThreadPool`, whose jobs run one at a time in the
/// order they were queued (its queue is first in, first out).
final class FileIOQueue: Sendable {
    private let pool: NIOThreadPool
    private let stopped = Atomic<Bool>(false)
    /// Where jobs go once the pool is shut down (serial, so still in order).
    private let afterShutdown = DispatchQueue(label: "harvestry.sim.file-io.after-shutdown")

    init() {
        self.pool = NIOThreadPool(numberOfThreads: 1)
        self.pool.start()
    }

    deinit {
        if !self.stopped.load(ordering: .sequentiallyConsistent) { self.pool.shutdownGracefully { _ in } }
    }

    /// Queues `job` behind every job queued before it. Never runs it on the caller's thread, so a caller may hold a
    /// lock the job takes: a job queued after `shutdown()` still runs, on a serial dispatch queue.
    func enqueue(_ job: @escaping @Sendable () -> Void) {
        guard !self.stopped.load(ordering: .sequentiallyConsistent) else {
            self.afterShutdown.async(execute: job)
            return
        }
        // `.cancelled`: the pool was shut down meanwhile. It hands over such jobs in order (or, submitted after the
        // shutdown, at once on this thread): they go to the serial queue, in that order.
        self.pool.submit { [afterShutdown] state in
            switch state {
            case .active: job()
            case .cancelled: afterShutdown.async(execute: job)
            }
        }
    }

    /// Runs `body` on the queue's thread, after every job queued before it, and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(SimFileError) -> T) async throws(SimFileError) -> T {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<T, SimFileError>, Never>) in
            self.enqueue { done.resume(returning: Result(catching: body)) }
        }
        return try result.get()
    }

    /// Lets every queued job finish, then stops the thread. Jobs queued from the start of the shutdown wait on the
    /// serial queue (suspended) until the thread is gone, so none overtakes or runs beside a job queued before.
    func shutdown() async {
        guard !self.stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        self.afterShutdown.suspend()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.pool.submit { _ in continuation.resume() }
        }
        try? await self.pool.shutdownGracefully()
        self.afterShutdown.resume()
    }
}
