/// A `Spool` that only jobs of one `FileIOQueue` touch (one thread, one job at a time, in order), so its blocking
/// reads, writes and `fsync`s never run on the cooperative pool. Each job reports the spool's record count after it,
/// on that thread, so whoever mirrors the count sees the spool's changes in their order.
final class QueuedSpool: @unchecked Sendable {
    // Touched only inside jobs of `io`: that makes the unchecked Sendable sound.
    private let spool: Spool
    private let io: FileIOQueue
    let path: String

    private init(spool: Spool, io: FileIOQueue) {
        self.spool = spool
        self.io = io
        self.path = spool.path
    }

    /// Opens (and recovers) the spool at `path` on `io`; returns it with the records it holds.
    static func open(path: String, io: FileIOQueue) async throws(SimFileError) -> (spool: QueuedSpool, count: Int) {
        try await io.run { () throws(SimFileError) -> (spool: QueuedSpool, count: Int) in
            let spool = try Spool(path: path)
            return (QueuedSpool(spool: spool, io: io), spool.count)
        }
    }

    /// Queues `body`; `completion` runs right after it, on the queue's thread, with its result and the count then.
    func enqueue<T: Sendable>(
        _ body: @escaping @Sendable (Spool) throws(SimFileError) -> T,
        completion: @escaping @Sendable (Result<T, SimFileError>, _ count: Int) -> Void
    ) {
        self.io.enqueue { [self] in
            let result = Result { () throws(SimFileError) -> T in try body(self.spool) }
            completion(result, self.spool.count)
        }
    }
}
