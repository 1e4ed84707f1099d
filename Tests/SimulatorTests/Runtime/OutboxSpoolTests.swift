import Foundation
import Synchronization
import Testing

@testable import Simulator

/// The outbox's spool work on its file thread (`FileIOQueue`): a batch counted as spooled is on disk, order holds.
@Suite struct OutboxSpoolTests {
    static let t0 = SimInstant(secondsSinceEpoch: 1_700_000_000)

    static func message(_ device: String, _ sequence: UInt64) -> OutboundMessage {
        OutboundMessage(
            device: device,
            channel: .telemetry,
            topic: "hv/v1/s/\(device)/telemetry",
            payload: [UInt8(truncatingIfNeeded: sequence), 7],
            retain: false,
            sequence: sequence,
            dueAt: Self.t0 + .seconds(Int64(sequence)),
            readings: 1
        )
    }

    static func withOutbox(_ body: (Outbox, String) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "hv-outbox-\(UUID().uuidString.prefix(8)).spool"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".head")
        }
        let io = FileIOQueue()
        let (spool, count) = try await QueuedSpool.open(path: path, io: io)
        #expect(count == 0)
        try await body(Outbox(spool: spool, spooled: count, laneCount: 2), path)
        await io.shutdown()
    }

    @Test func aBatchCountedAsSpooledIsOnDiskWhenSubmitReturns() async throws {
        try await Self.withOutbox { outbox, path in
            let batches = (0..<5).map { batch in (1...3).map { Self.message("d\($0)", UInt64(batch * 3 + $0)) } }
            for (index, batch) in batches.enumerated() {
                #expect(try await outbox.submit(batch) == .spooled)
                #expect(outbox.spooledCount == (index + 1) * 3)
                // Another reader of the file (a process restarted after a crash) sees every counted record.
                let onDisk = try Spool(path: path).peek(max: 100).compactMap(OutboundMessage.init(spoolRecord:))
                #expect(onDisk == Array(batches[0...index].joined()))
            }
        }
    }

    @Test func aDrainReplaysInOrderThenMessagesGoLive() async throws {
        try await Self.withOutbox { outbox, _ in
            let spooled = (1...300).map { Self.message("d\($0 % 7)", UInt64($0)) }
            #expect(try await outbox.submit(Array(spooled[..<150])) == .spooled)
            #expect(try await outbox.submit(Array(spooled[150...])) == .spooled)
            outbox.setConnected(true)
            // While the spool holds anything, new messages queue behind it.
            #expect(try await outbox.submit([Self.message("late", 1)]) == .spooled)
            #expect(outbox.beginDrain())
            var replayed: [OutboundMessage] = []
            for _ in 0..<10 {
                guard case .publish(let messages, let records) = try await outbox.nextDrainStep() else { break }
                replayed += messages
                try await outbox.drainDelivered(records)
            }
            #expect(replayed == spooled + [Self.message("late", 1)])
            #expect(outbox.spooledCount == 0)
            guard case .done = try await outbox.nextDrainStep() else {
                Issue.record("the drain did not end with the spool empty")
                return
            }
            #expect(try await outbox.submit([Self.message("live", 1)]) == .direct)
        }
    }

    @Test func theFileQueueRunsJobsInOrder() async throws {
        let io = FileIOQueue()
        final class Seen: Sendable { let jobs = Mutex<[Int]>([]) }
        let seen = Seen()
        for index in 0..<1000 { io.enqueue { seen.jobs.withLock { $0.append(index) } } }
        let before = try await io.run { () throws(SimFileError) -> Int in seen.jobs.withLock { $0.count } }
        #expect(before == 1000)
        #expect(seen.jobs.withLock { $0 } == Array(0..<1000))
        await io.shutdown()
    }
}
