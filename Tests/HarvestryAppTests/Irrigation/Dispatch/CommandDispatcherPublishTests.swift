import API
import Bus
import Domain
import Foundation
import HarvestryApp
import MetricsTestKit
import Simulator
import Store
import SwiftProtobuf
import Synchronization
import Testing

/// The publish path: the claim bounded by free publish credits, no publish after expiry, one device's commands
/// published in claim order. Real Postgres, Mosquitto and the simulator's controllers (DispatchFixture).
@Suite(.serialized, .appDatabase) struct CommandDispatcherPublishTests {
    static func counter(_ metrics: TestMetrics, _ label: String) -> Int64 {
        (try? metrics.expectCounter(label, []).totalValue) ?? 0
    }

    static func dispatcher(
        _ f: DispatchFixture,
        outbox: ObservedOutbox,
        metrics: TestMetrics,
        concurrency: Int,
        ready: ReadyCount
    ) -> CommandDispatcher {
        CommandDispatcher(
            outbox: outbox,
            database: f.service,
            sink: RecordingSink(),
            configuration: .init(endpoint: f.endpoint, fallbackPoll: .seconds(1), concurrency: concurrency),
            logger: DispatchFixture.logger,
            metrics: CommandDispatchMetrics(factory: metrics),
            onReady: ready.increment
        )
    }

    @Test("a claimed command already expired is not published; claims never exceed the free publish credits")
    func expiredIsNotPublishedAndClaimIsBounded() async throws {
        let metrics = TestMetrics()
        let ready = ReadyCount()
        let stale = DispatchFixture.command("VLV-003", .open)
        let fresh = (0..<6).map { _ in DispatchFixture.command("VLV-003", .close) }
        let outbox = ObservedOutbox(expiring: [stale.id])
        let seen = CommandOrder()
        try await DispatchFixture.with { f in
            outbox.inner.withLock { $0 = f.outbox }
            let dispatcher = Self.dispatcher(f, outbox: outbox, metrics: metrics, concurrency: 2, ready: ready)
            try await seen.watching(f) {
                try await withRunning([dispatcher], ready: ready) {
                    try await f.enqueue([stale] + fresh)
                    let done = try await DispatchFixture.waitFor(timeout: .seconds(30)) {
                        Self.counter(metrics, "harvestry_irrigation_commands_skipped_expired_total") >= 1
                            && Set(seen.ids).isSuperset(of: fresh.map { $0.id.uuidString.lowercased() })
                    }
                    #expect(done, "skipped \(Self.counter(metrics, "harvestry_irrigation_commands_skipped_expired_total"))")
                }
            }
        }
        #expect(!seen.ids.contains(stale.id.uuidString.lowercased()), "the expired command was published")
        #expect(outbox.limits.allSatisfy { $0 >= 1 && $0 <= 2 }, "claim limits \(Set(outbox.limits))")
    }

    @Test("one device's commands reach it in claim order while several are in flight")
    func oneDevicePublishesInClaimOrder() async throws {
        let metrics = TestMetrics()
        let ready = ReadyCount()
        // Closes are always allowed, so every command executes whatever the valve's state.
        let commands = (0..<40).map { _ in DispatchFixture.command("VLV-005", .close) }
        let mine = Set(commands.map { $0.id.uuidString.lowercased() })
        let outbox = ObservedOutbox(expiring: [])
        let seen = CommandOrder()
        try await DispatchFixture.with { f in
            outbox.inner.withLock { $0 = f.outbox }
            let dispatcher = Self.dispatcher(f, outbox: outbox, metrics: metrics, concurrency: 64, ready: ready)
            try await seen.watching(f) {
                try await withRunning([dispatcher], ready: ready) {
                    try await f.enqueue(commands)
                    let done = try await DispatchFixture.waitFor(timeout: .seconds(30)) {
                        Set(seen.ids).intersection(mine).count >= commands.count
                    }
                    #expect(done, "seen \(Set(seen.ids).intersection(mine).count)")
                }
            }
        }
        // Only this test's commands: the suite's database may still hold due commands of an earlier test for the
        // same valve, which this dispatcher claims and publishes too.
        var first: [String] = []
        for id in seen.ids where mine.contains(id) && !first.contains(id) { first.append(id) }
        let claimed = outbox.claimed.map { $0.uuidString.lowercased() }.filter { mine.contains($0) }
        #expect(first == claimed.filter { Set(first).contains($0) }, "published out of claim order")
        #expect(first.count == commands.count)
    }
}

/// The real outbox, recording each claim's limit and the claimed commands in order; commands in `expiring` come
/// back from the claim already expired (as if the claim had been slow), to exercise the publish-time check. With
/// `claims` false it claims nothing (commands stay QUEUED: acks are then the test's own).
final class ObservedOutbox: CommandOutbox {
    let inner = Mutex<PostgresIrrigationRepository?>(nil)
    private let expiring: Set<UUID>
    private let claims: Bool
    private let record = Mutex<(limits: [Int], claimed: [UUID])>(([], []))

    init(expiring: Set<UUID>, claims: Bool = true) {
        self.expiring = expiring
        self.claims = claims
    }

    var limits: [Int] { self.record.withLock { $0.limits } }
    var claimed: [UUID] { self.record.withLock { $0.claimed } }

    private var outbox: PostgresIrrigationRepository { self.inner.withLock { $0! } }

    func claimDueCommands(limit: Int, now: Date) async throws -> CommandClaim {
        guard self.claims else { return CommandClaim() }
        var claim = try await self.outbox.claimDueCommands(limit: limit, now: now)
        for index in claim.publish.indices where self.expiring.contains(claim.publish[index].command.id) {
            claim.publish[index].command.expiresAt = now.addingTimeInterval(-1)
        }
        self.record.withLock {
            $0.limits.append(limit)
            $0.claimed.append(contentsOf: claim.publish.map(\.command.id))
        }
        return claim
    }

    func recordAcks(_ acks: [CommandAckInput], at: Date) async throws -> [AckOutcome?] {
        try await self.outbox.recordAcks(acks, at: at)
    }

    func expireCommands(now: Date) async throws -> [StoredCommand] {
        try await self.outbox.expireCommands(now: now)
    }

    func nextCommandDue() async throws -> CommandOutboxDue {
        try await self.outbox.nextCommandDue()
    }
}

/// The command ids a plain subscriber sees, in arrival order.
final class CommandOrder: Sendable {
    private let seen = Mutex<[String]>([])
    var ids: [String] { self.seen.withLock { $0 } }

    /// Runs `body` with a plain subscriber on `hv/v1/+/+/cmd` recording into this.
    func watching(_ f: DispatchFixture, _ body: () async throws -> Void) async throws {
        let watcher = try await MQTTClient.connect(
            .init(host: f.endpoint.host, port: f.endpoint.port, clientID: "order-\(UInt16.random(in: 0...9999))"),
            logger: DispatchFixture.logger
        )
        try await watcher.subscribe("hv/v1/+/+/cmd")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.drain(watcher.messages) }
            do {
                try await body()
            } catch {
                await watcher.disconnect()
                throw error
            }
            await watcher.disconnect()
            try await group.waitForAll()
        }
    }

    func drain(_ messages: MQTTMessages) async {
        for await message in messages {
            guard let command = try? Harvestry_Telemetry_V1_Command(serializedBytes: message.payload) else { continue }
            self.seen.withLock { $0.append(command.id) }
        }
    }
}
