import API
import Bus
import Domain
import Foundation
import HarvestryApp
import Logging
import Simulator
import Store
import SwiftProtobuf
import Synchronization

/// What `bench commands` runs against: the simulator's pilot site on the broker, and the dispatchers on the
/// database. Each run paces its commands in ticks of at least 10 ms.
struct CommandBenchRig: Sendable {
    var endpoint: MQTTEndpoint
    var serviceConninfo: String
    var directory: String
    var dispatchers: Int
    /// nil: the dispatcher's default.
    var ackWriters: Int?
    var logger: Logger

    static let site = PilotSeed.siteID
    static let valves: [(device: UUID, zone: UUID)] = PilotSeed.devices.filter { $0.kind == .valve }.map {
        ($0.id, PilotSeed.id("zone/\($0.placement)"))
    }
    static let scope = AccessScope(
        organizationID: PilotSeed.organizationID,
        userID: PilotSeed.people[9].id,
        siteIDs: [PilotSeed.siteID],
        roles: ["admin"]
    )

    func measure(rates: [Int], seconds: Int) async throws -> (rows: [CommandBenchRow], stages: [CommandStageRow]) {
        let start = SimInstant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9))
        let runtime = try SimulationRuntime(
            spec: .pilot(),
            simulation: SiteSimulation(spec: .pilot(), seed: 1, start: start),
            configuration: RuntimeConfiguration(
                broker: self.endpoint,
                start: start,
                duration: .seconds(Int64(rates.count * (2 * seconds + 60) + 600)),
                spoolDirectory: self.directory + "/spool",
                drainTimeout: .seconds(5)
            ),
            logger: self.logger
        )
        let service = PostgresClient(
            configuration: .init(conninfo: self.serviceConninfo, maximumConnections: 16),
            logger: self.logger
        )
        defer { service.close() }
        let outbox = PostgresIrrigationRepository(client: service)
        return try await withThrowingTaskGroup(of: Void.self) { simulator in
            simulator.addTask { try await runtime.run() }
            for _ in 0..<1_500 {
                let stats = runtime.stats.snapshot
                if stats.connections > 0 && stats.connected == stats.connections { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            var rows: [CommandBenchRow] = []
            var stages: [CommandStageRow] = []
            for rate in rates {
                rows.append(try await self.bare(rate: rate, seconds: seconds))
                let dispatched = try await self.dispatched(rate: rate, seconds: seconds, outbox: outbox, service: service)
                rows.append(dispatched.row)
                stages += dispatched.stages
            }
            runtime.stop()
            try await simulator.waitForAll()
            return (rows, stages)
        }
    }

    /// Runs `dispatchers` dispatchers (only during the dispatched runs: the bare runs' acks are nobody's commands)
    /// until `body` returns.
    func withDispatchers<T: Sendable>(
        service: PostgresClient,
        sink: SettleClock,
        stages: DispatchStageTimers,
        _ body: () async throws -> T
    ) async throws -> T {
        let ready = Atomic<Int>(0)
        // Each dispatcher claims and records acks on connections of its own, as `serve`'s does.
        var pools: [PostgresClient] = []
        defer { for pool in pools { pool.close() } }
        let dispatchers = (0..<self.dispatchers).map { index in
            var configuration = CommandDispatcher.Configuration(endpoint: self.endpoint, clientID: "hv-bench-d\(index)")
            if let writers = self.ackWriters { configuration.ackWriters = writers }
            let pool = CommandDispatcher.ownConnections(like: service, for: configuration, logger: self.logger)
            pools.append(pool)
            return CommandDispatcher(
                outbox: PostgresIrrigationRepository(client: pool),
                database: service,
                sink: sink,
                configuration: configuration,
                logger: self.logger,
                metrics: CommandDispatchMetrics(factory: stages),
                onReady: { ready.add(1, ordering: .sequentiallyConsistent) }
            )
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for dispatcher in dispatchers { group.addTask { try await dispatcher.run() } }
            for _ in 0..<1_500 where ready.load(ordering: .sequentiallyConsistent) < dispatchers.count {
                try await Task.sleep(for: .milliseconds(20))
            }
            let value = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return value
        }
    }

    /// Command `index` of a run: alternately open and close, round the valves.
    static func command(_ index: Int, now: Date) -> DeviceCommand {
        let valve = Self.valves[index % Self.valves.count]
        return DeviceCommand(
            deviceID: valve.device,
            zoneID: valve.zone,
            action: (index / Self.valves.count) % 2 == 0 ? .open : .close,
            idempotencyKey: UUID().uuidString,
            createdAt: now,
            expiresAt: now.addingTimeInterval(60)
        )
    }

    /// Paces `total` commands at `rate`/s: `tick(first, count)` runs as a child task at each tick's instant.
    static func paced(
        rate: Int,
        seconds: Int,
        _ tick: @escaping @Sendable (_ first: Int, _ count: Int) async throws -> Void
    ) async throws -> Int {
        let interval = max(Duration.milliseconds(10), .seconds(1) / rate)
        let perTick = max(1, Int((Double(rate) * BenchResult.seconds(interval)).rounded()))
        let ticks = Int((Double(seconds) / BenchResult.seconds(interval)).rounded())
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<ticks {
                try await Task.sleep(until: start + interval * n)
                group.addTask { try await tick(n * perTick, perTick) }
            }
            try await group.waitForAll()
        }
        return ticks * perTick
    }

    /// Waits (at most 30 s) until `done() >= total`.
    static func drain(_ total: Int, _ done: () -> Int) async throws {
        for _ in 0..<1_500 where done() < total { try await Task.sleep(for: .milliseconds(20)) }
    }

    func dispatched(
        rate: Int,
        seconds: Int,
        outbox: PostgresIrrigationRepository,
        service: PostgresClient
    ) async throws -> (row: CommandBenchRow, stages: [CommandStageRow]) {
        let settled = SettleClock()
        let stages = DispatchStageTimers()
        let sent = try await self.withDispatchers(service: service, sink: settled, stages: stages) {
            let sent = try await Self.paced(rate: rate, seconds: seconds) { first, count in
                let now = Date()
                let commands = (first..<first + count).map { Self.command($0, now: now) }
                try await outbox.enqueueCommands(commands, siteID: Self.site, in: Self.scope)
                stages.enqueued(count, after: .nanoseconds(Int64(Date().timeIntervalSince(now) * 1e9)))
            }
            try await Self.drain(sent) { settled.count }
            return sent
        }
        let result = settled.result
        return (
            CommandBenchRow(path: "dispatcher: enqueue -> ack recorded", rate: rate, sent: sent, result: result),
            CommandStageRow.rows(rate: rate, timers: stages, settled: result)
        )
    }

    func bare(rate: Int, seconds: Int) async throws -> CommandBenchRow {
        let client = try await MQTTClient.connect(
            .init(host: self.endpoint.host, port: self.endpoint.port, clientID: "hv-bench-bare-\(rate)"),
            logger: self.logger
        )
        try await client.subscribe("hv/v1/\(Self.site.uuidString.lowercased())/+/ack")
        let clock = RoundTripClock()
        let sent = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await clock.drain(client.messages) }
            let sent = try await Self.paced(rate: rate, seconds: seconds) { first, count in
                try await withThrowingTaskGroup(of: Void.self) { publishes in
                    for index in first..<first + count {
                        let stored = StoredCommand(
                            siteID: Self.site,
                            runID: nil,
                            command: Self.command(index, now: Date())
                        )
                        publishes.addTask {
                            let message = CommandPayload.message(stored)
                            clock.sent(message.id)
                            try await client.publish(try message.serializedBytes(), to: CommandPayload.topic(stored))
                        }
                    }
                    try await publishes.waitForAll()
                }
            }
            try await Self.drain(sent) { clock.count }
            await client.disconnect()
            try await group.waitForAll()
            return sent
        }
        return CommandBenchRow(path: "bare MQTT: publish -> ack", rate: rate, sent: sent, result: clock.result)
    }
}

/// The dispatched run's sink: when each command's final ack was recorded, against its creation.
final class SettleClock: CommandSettlementSink {
    private let latencies = Mutex<[UUID: Duration]>([:])

    var count: Int { self.latencies.withLock { $0.count } }
    var result: BenchResult {
        BenchResult(wall: .zero, latencies: self.latencies.withLock { Array($0.values) }.sorted())
    }

    func commandsSettled(_ commands: [StoredCommand]) async {
        let now = Date()
        self.latencies.withLock { latencies in
            for stored in commands where latencies[stored.command.id] == nil {
                latencies[stored.command.id] = .nanoseconds(
                    Int64(now.timeIntervalSince(stored.command.createdAt) * 1e9)
                )
            }
        }
    }
}

/// The bare run's clock: publish instant per command id, and the round trip once its EXECUTED or REJECTED ack is in.
final class RoundTripClock: Sendable {
    private let state = Mutex((sent: [String: ContinuousClock.Instant](), latencies: [Duration]()))

    var count: Int { self.state.withLock { $0.latencies.count } }
    var result: BenchResult { BenchResult(wall: .zero, latencies: self.state.withLock { $0.latencies }.sorted()) }

    func sent(_ id: String) {
        let now = ContinuousClock.now
        self.state.withLock { $0.sent[id] = now }
    }

    func drain(_ messages: MQTTMessages) async {
        for await message in messages {
            guard let ack = try? Harvestry_Telemetry_V1_Ack(serializedBytes: message.payload),
                ack.stage == .executed || ack.stage == .rejected
            else { continue }
            let now = ContinuousClock.now
            self.state.withLock { state in
                guard let sent = state.sent.removeValue(forKey: ack.commandID) else { return }
                state.latencies.append(now - sent)
            }
        }
    }
}
