import Domain
import Foundation
import Synchronization

/// Group commit for ingest: concurrent batches of one site share a store transaction.
///
/// A batch is written at once while its site has fewer than `maximumFlushes` writes in flight; otherwise it waits
/// in the site's queue. A finishing write hands the whole queue (up to `maximumReadings`) to one of the waiting
/// callers, which writes it as one batch and answers the others. So an idle pipeline adds no wait, and a busy one
/// carries many device batches per transaction instead of queueing transactions.
///
/// Each caller gets back exactly the readings of its own batch stored now: a reading that an earlier batch of the
/// same merged write carries too (same stream and microsecond) counts for that earlier batch only, as if the two
/// had been written one after the other. When a merged write fails, its batches are written again one by one, so
/// one batch's failure is not every batch's.
final class IngestBatcher: Sendable {
    typealias Store = @Sendable (_ readings: [Reading], _ site: UUID) async throws -> [Reading]

    let store: Store
    let maximumFlushes: Int
    let maximumReadings: Int
    private let state = Mutex(BatchQueues())

    init(maximumFlushes: Int = 2, maximumReadings: Int = 20_000, store: @escaping Store) {
        self.store = store
        self.maximumFlushes = max(1, maximumFlushes)
        self.maximumReadings = max(1, maximumReadings)
    }

    /// The readings of `readings` stored now (as `TelemetryRepository.ingest`).
    func ingest(_ readings: [Reading], site: UUID) async throws -> [Reading] {
        guard !readings.isEmpty else { return [] }
        let wake = await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let waiter = Waiter(readings: readings, continuation: continuation)
            let lead = self.state.withLock { $0.arrive(waiter, site: site, maximumFlushes: self.maximumFlushes) }
            if let lead { continuation.resume(returning: .lead(lead)) }
        }
        switch wake {
        case .done(let result):
            return try result.get()
        case .lead(let group):
            // group[0] is this caller: its continuation has been resumed (with this wake), the others wait.
            let results = await self.write(group.map(\.readings), site: site)
            for (waiter, result) in zip(group, results).dropFirst() { waiter.continuation.resume(returning: .done(result)) }
            if let next = self.state.withLock({ $0.finished(site: site, maximumReadings: self.maximumReadings) }) {
                next[0].continuation.resume(returning: .lead(next))
            }
            return try results[0].get()
        }
    }

    /// Batches waiting for a write (for tests).
    func waiting(site: UUID) -> Int { self.state.withLock { $0.queues[site]?.waiting.count ?? 0 } }

    /// Writes `batches` as one and splits the stored readings back; each batch alone again if that fails.
    private func write(_ batches: [[Reading]], site: UUID) async -> [Result<[Reading], any Error>] {
        if batches.count == 1 {
            return [await self.attempt(batches[0], site: site)]
        }
        let merged = MergedBatch(batches)
        do {
            return merged.split(try await self.store(merged.readings, site)).map { .success($0) }
        } catch {
            var results: [Result<[Reading], any Error>] = []
            for batch in batches { results.append(await self.attempt(batch, site: site)) }
            return results
        }
    }

    private func attempt(_ batch: [Reading], site: UUID) async -> Result<[Reading], any Error> {
        do {
            return .success(try await self.store(batch, site))
        } catch {
            return .failure(error)
        }
    }

    enum Wake: Sendable {
        /// The caller's batch was written by another caller: its stored readings, or the error.
        case done(Result<[Reading], any Error>)
        /// The caller writes these batches (its own first) and wakes their callers.
        case lead([Waiter])
    }

    struct Waiter: Sendable {
        var readings: [Reading]
        var continuation: CheckedContinuation<Wake, Never>
    }
}

/// The per-site queues of `IngestBatcher`. Invariant: a site has waiting batches only while all its write slots
/// are taken, since a finishing write hands the queue on before it frees its slot.
struct BatchQueues {
    struct Queue {
        var flushing = 0
        var waiting: [IngestBatcher.Waiter] = []
    }

    var queues: [UUID: Queue] = [:]

    /// A batch arrives: the group it writes at once (itself), or nil when it waits.
    mutating func arrive(_ waiter: IngestBatcher.Waiter, site: UUID, maximumFlushes: Int) -> [IngestBatcher.Waiter]? {
        var queue = self.queues[site, default: Queue()]
        defer { self.queues[site] = queue }
        guard queue.flushing < maximumFlushes else {
            queue.waiting.append(waiter)
            return nil
        }
        queue.flushing += 1
        return [waiter]
    }

    /// A write finished: the next group (its first waiter leads it, keeping the slot), or nil (the slot frees).
    mutating func finished(site: UUID, maximumReadings: Int) -> [IngestBatcher.Waiter]? {
        guard var queue = self.queues[site] else { return nil }
        guard !queue.waiting.isEmpty else {
            queue.flushing -= 1
            self.queues[site] = queue.flushing == 0 ? nil : queue
            return nil
        }
        var total = 0
        let count = queue.waiting.prefix(while: { waiter in
            defer { total += waiter.readings.count }
            return total == 0 || total + waiter.readings.count <= maximumReadings
        }).count
        let group = Array(queue.waiting.prefix(count))
        queue.waiting.removeFirst(count)
        self.queues[site] = queue
        return group
    }
}

/// Batches concatenated for one write, each reading owned by the first batch that carries it.
struct MergedBatch {
    private(set) var readings: [Reading] = []
    private var owner: [BucketKey: Int] = [:]
    let count: Int

    init(_ batches: [[Reading]]) {
        self.count = batches.count
        let total = batches.reduce(0) { $0 + $1.count }
        self.readings.reserveCapacity(total)
        self.owner.reserveCapacity(total)
        for (index, batch) in batches.enumerated() {
            for reading in batch where self.owner[Self.key(reading)] == nil {
                self.owner[Self.key(reading)] = index
                self.readings.append(reading)
            }
        }
    }

    /// The stored readings of each batch, in batch order.
    func split(_ stored: [Reading]) -> [[Reading]] {
        var out = [[Reading]](repeating: [], count: self.count)
        for reading in stored {
            guard let index = self.owner[Self.key(reading)] else { continue }
            out[index].append(reading)
        }
        return out
    }

    static func key(_ reading: Reading) -> BucketKey { BucketKey(streamID: reading.streamID, startMicros: reading.micros) }
}
