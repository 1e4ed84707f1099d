import Edge
import Foundation
import Synchronization

/// A `ReadingSpool` in memory for the poller's tests; `failing` makes every append throw.
final class MemorySpool: ReadingSpool {
    struct Refused: Error {}

    private let state = Mutex<[EdgeReading]>([])
    let failing: Bool

    init(failing: Bool = false) {
        self.failing = failing
    }

    var readings: [EdgeReading] { self.state.withLock { $0 } }

    func append(_ readings: [EdgeReading]) async throws {
        if self.failing { throw Refused() }
        self.state.withLock { $0 += readings }
    }

    func oldestBatch(limit: Int) async throws -> SpoolBatch? { nil }
    func acknowledge(_ batch: SpoolBatch) async throws {}
    func status() async -> SpoolStatus {
        SpoolStatus(depth: self.readings.count, oldestUnsent: nil, bytes: 0, dropped: 0)
    }
}
