import Domain
import Foundation
import HarvestryApp
import MetricsTestKit
import Simulator
import Store
import Synchronization
import Testing

/// Settlements reach the sink through their own queue: a sink that does not return holds up neither ack writing
/// nor claiming, and nothing it was owed is lost once it resumes.
@Suite(.serialized, .appDatabase) struct CommandDispatcherSettlementTests {
    @Test("a blocked sink holds up neither the acks nor the claims; it gets every settlement once it resumes")
    func blockedSinkDoesNotHoldUpDispatch() async throws {
        let sink = GatedSink()
        let metrics = TestMetrics()
        let ready = ReadyCount()
        // Three commands one after another: with the sink called inline, each would hold one of the two ack
        // writers, and the third ack would never be recorded.
        let commands = ["VLV-001", "VLV-002", "VLV-003"].map { DispatchFixture.command($0, .close) }
        try await DispatchFixture.with { f in
            let dispatcher = CommandDispatcher(
                outbox: f.outbox,
                database: f.service,
                sink: sink,
                configuration: .init(endpoint: f.endpoint, fallbackPoll: .seconds(1), ackWriters: 2),
                logger: DispatchFixture.logger,
                metrics: CommandDispatchMetrics(factory: metrics),
                onReady: ready.increment
            )
            try await withRunning([dispatcher], ready: ready) {
                for command in commands {
                    try await f.enqueue([command])
                    let executed = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                        try await f.status(command.id) == .executed
                    }
                    let status = try await f.status(command.id)
                    #expect(executed, "\(command.id) is \(status) while the sink is blocked")
                }
                #expect(sink.received.isEmpty)
                sink.open()
                let settled = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    Set(sink.received) == Set(commands.map(\.id))
                }
                #expect(settled, "settled \(sink.received.count)")
            }
        }
        #expect(sink.received.count == commands.count)
    }
}

/// A sink whose calls wait until `open`, then record what they were told.
final class GatedSink: CommandSettlementSink {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>], ids: [UUID])>((false, [], []))

    var received: [UUID] { self.state.withLock { $0.ids } }

    func open() {
        let waiting = self.state.withLock { state in
            state.open = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    func commandsSettled(_ commands: [StoredCommand]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let open = self.state.withLock { state in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
        self.state.withLock { $0.ids.append(contentsOf: commands.map(\.command.id)) }
    }
}
