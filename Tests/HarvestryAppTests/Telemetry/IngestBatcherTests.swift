import Domain
import Foundation
import Testing

@testable import HarvestryApp

/// A reading store that can hold its first write until released, so batches pile up behind it.
private actor HeldStore {
    var stored = Set<BucketKey>()
    var writes: [[Reading]] = []
    var holdNext = true
    var held: CheckedContinuation<Void, Never>?
    let failing: UUID?

    init(failing: UUID? = nil) { self.failing = failing }

    func ingest(_ readings: [Reading]) async throws -> [Reading] {
        self.writes.append(readings)
        if self.holdNext {
            self.holdNext = false
            await withCheckedContinuation { self.held = $0 }
        }
        if let failing = self.failing, readings.contains(where: { $0.streamID == failing }) {
            throw CancellationError()
        }
        return readings.filter { self.stored.insert(BucketKey(streamID: $0.streamID, startMicros: $0.micros)).inserted }
    }

    var isHolding: Bool { self.held != nil }

    func release() {
        self.held?.resume()
        self.held = nil
    }
}

@Suite("Ingest group commit")
struct IngestBatcherTests {
    let site = UUID()
    let stream = UUID()

    func readings(_ range: Range<Int>, stream: UUID? = nil) -> [Reading] {
        range.map { Reading(streamID: stream ?? self.stream, siteID: self.site, micros: Int64($0) * 1_000, value: 1) }
    }

    /// Starts `first` (held by the store), then `rest` concurrently, waits until they all queue, releases the store
    /// and returns every caller's result, in argument order.
    private func run(
        _ store: HeldStore,
        first: [Reading],
        rest: [[Reading]]
    ) async throws -> [Result<[Reading], any Error>] {
        let batcher = IngestBatcher(maximumFlushes: 1) { readings, _ in try await store.ingest(readings) }
        return try await withThrowingTaskGroup(of: (Int, Result<[Reading], any Error>).self) { group in
            let all = [first] + rest
            for index in all.indices {
                group.addTask {
                    do {
                        return (index, .success(try await batcher.ingest(all[index], site: self.site)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
                // Bounded waits (not timed assertions): the first write is held, then the rest have queued.
                for _ in 0..<5_000 {
                    let ready: Bool
                    if index == 0 { ready = await store.isHolding } else { ready = batcher.waiting(site: self.site) >= index }
                    if ready { break }
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            try #require(batcher.waiting(site: self.site) == rest.count)
            await store.release()
            var results = [Result<[Reading], any Error>?](repeating: nil, count: all.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    @Test("batches queued behind a write share the next one; each caller gets exactly its stored readings")
    func sharesWrites() async throws {
        let store = HeldStore()
        let other = UUID()
        let results = try await self.run(
            store,
            first: self.readings(0..<10),
            rest: [self.readings(5..<15), self.readings(10..<20), self.readings(20..<25) + self.readings(0..<3, stream: other)]
        )
        let stored = try results.map { try $0.get() }
        #expect(stored[0] == self.readings(0..<10))
        // 5..<10 were stored by the first write; 10..<15 belong to the second batch, which carried them first.
        #expect(stored[1] == self.readings(10..<15))
        #expect(stored[2] == self.readings(15..<20))
        #expect(stored[3] == self.readings(20..<25) + self.readings(0..<3, stream: other))
        let writes = await store.writes
        #expect(writes.count == 2)
        #expect(writes.last?.count == 23)
    }

    @Test("a failed shared write is retried batch by batch: only the failing batch fails")
    func isolatesFailures() async throws {
        let poison = UUID()
        let store = HeldStore(failing: poison)
        let results = try await self.run(
            store,
            first: self.readings(0..<2),
            rest: [self.readings(2..<4), self.readings(0..<1, stream: poison), self.readings(4..<6)]
        )
        #expect(try results[1].get() == self.readings(2..<4))
        #expect(throws: CancellationError.self) { try results[2].get() }
        #expect(try results[3].get() == self.readings(4..<6))
        // The held write, the shared one that failed, then each of its three batches alone.
        #expect(await store.writes.count == 5)
    }
}
