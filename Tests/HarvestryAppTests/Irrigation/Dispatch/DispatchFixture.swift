import Bus
import Domain
import Foundation
import HarvestryApp
import Logging
import MetricsTestKit
import Simulator
import Store
import Synchronization
import Testing

/// The command dispatcher against real components: the suite's migrated Postgres with the pilot site seeded, an
/// embedded Mosquitto, and the simulator's pilot site (its edge controllers execute the valve commands) running
/// in-process on that broker with its ground truth recorded.
struct DispatchFixture: Sendable {
    let database: AppDatabase
    let service: PostgresClient
    let outbox: PostgresIrrigationRepository
    let broker: EmbeddedMosquitto
    let endpoint: MQTTEndpoint
    let directory: String
    let runtime: SimulationRuntime<SiteSimulationFaultTarget>
    /// The running simulation, to inject device faults into (`apply(_:to:at:)` at `runtime.simNow`).
    let simulation: SiteSimulationFaultTarget
    let truth: TruthRecorder

    static let logger: Logger = {
        var logger = Logger(label: "dispatch-tests")
        logger.logLevel = .error
        return logger
    }()

    static let site = PilotSeed.siteID
    static let scope = AccessScope(
        organizationID: PilotSeed.organizationID,
        userID: PilotSeed.people[9].id,
        siteIDs: [PilotSeed.siteID],
        roles: ["admin"]
    )

    /// The pilot's valve `code` (`VLV-001` ...): its device id and zone id.
    static func valve(_ code: String) -> (device: UUID, zone: UUID) {
        let device = PilotSeed.devices.first { $0.code == code }!
        return (device.id, PilotSeed.id("zone/\(device.placement)"))
    }

    /// Runs `body` with the broker up, the simulator's pilot site connected, and the database seeded; stops it all
    /// afterwards and returns the simulator's ground truth.
    @discardableResult
    static func with(_ body: (DispatchFixture) async throws -> Void) async throws -> [TruthRecord] {
        let database = try AppDatabase.current()
        _ = try await PilotSeed.load(database.owner)
        let directory = TestDirectory.make("dispatch")
        defer { TestDirectory.remove(directory) }
        let broker = EmbeddedMosquitto(
            configuration: .init(dataDirectory: directory + "/mosquitto"),
            logger: Self.logger
        )
        try await broker.start()
        let port = try #require(await broker.port)
        let endpoint = MQTTEndpoint(host: "127.0.0.1", port: port)
        let start = SimInstant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9))
        let truth = try TruthRecorder(path: directory + "/truth.jsonl")
        let simulation = SiteSimulationFaultTarget(SiteSimulation(spec: .pilot(), seed: 7, start: start))
        let runtime = try SimulationRuntime(
            spec: .pilot(),
            simulation: simulation,
            configuration: RuntimeConfiguration(
                broker: endpoint,
                start: start,
                duration: .seconds(3_600),
                spoolDirectory: directory + "/spool",
                keepAliveSeconds: 5,
                drainTimeout: .seconds(5),
                instance: String(UInt32.random(in: 0...UInt32.max), radix: 36)
            ),
            truth: truth,
            logger: Self.logger
        )
        let service = PostgresClient(
            configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 8),
            logger: Self.logger
        )
        let fixture = DispatchFixture(
            database: database,
            service: service,
            outbox: PostgresIrrigationRepository(client: service),
            broker: broker,
            endpoint: endpoint,
            directory: directory,
            runtime: runtime,
            simulation: simulation,
            truth: truth
        )
        let outcome: Result<Void, any Error>
        do {
            outcome = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runtime.run() }
                let up = try await Self.waitFor(timeout: .seconds(30)) {
                    let stats = runtime.stats.snapshot
                    return stats.connections > 0 && stats.connected == stats.connections
                }
                let result: Result<Void, any Error>
                if up {
                    do {
                        try await body(fixture)
                        result = .success(())
                    } catch {
                        result = .failure(error)
                    }
                } else {
                    result = .failure(FixtureError(message: "the simulator did not connect"))
                }
                runtime.stop()
                try await group.waitForAll()
                return result
            }
        } catch {
            outcome = .failure(error)
        }
        await truth.close()
        service.close()
        await broker.stop()
        try outcome.get()
        return try TruthLog.read(path: truth.path)
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { self.message }
    }

    /// A QUEUED command for the pilot valve `code`, created now.
    static func command(
        _ code: String,
        _ action: ValveAction,
        key: String = UUID().uuidString,
        expiresIn: TimeInterval = 60,
        ackTimeout: TimeInterval = 5
    ) -> DeviceCommand {
        let valve = Self.valve(code)
        let now = Date()
        return DeviceCommand(
            deviceID: valve.device,
            zoneID: valve.zone,
            action: action,
            idempotencyKey: key,
            createdAt: now,
            expiresAt: now.addingTimeInterval(expiresIn),
            ackTimeout: ackTimeout,
            maxAttempts: 3
        )
    }

    func enqueue(_ commands: [DeviceCommand]) async throws {
        try await self.outbox.enqueueCommands(commands, siteID: Self.site, in: Self.scope)
    }

    func status(_ id: UUID) async throws -> CommandStatus {
        try await self.outbox.command(id, in: Self.scope).command.status
    }

    /// A dispatcher on this fixture's database and broker, reporting to `sink` and counting into `metrics`.
    func dispatcher(
        sink: RecordingSink,
        metrics: TestMetrics,
        ready: @escaping @Sendable () -> Void = {}
    ) -> CommandDispatcher {
        CommandDispatcher(
            outbox: self.outbox,
            database: self.service,
            sink: sink,
            configuration: .init(endpoint: self.endpoint, fallbackPoll: .seconds(1)),
            logger: Self.logger,
            metrics: CommandDispatchMetrics(factory: metrics),
            onReady: ready
        )
    }

    /// Polls `condition` every 20 ms for at most `timeout`; returns whether it held.
    static func waitFor(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

/// The test's `CommandSettlementSink`: what it was told, in order.
final class RecordingSink: CommandSettlementSink {
    private let settled = Mutex<[StoredCommand]>([])

    var commands: [StoredCommand] { self.settled.withLock { $0 } }

    func commandsSettled(_ commands: [StoredCommand]) async {
        self.settled.withLock { $0.append(contentsOf: commands) }
    }

    func times(_ id: UUID) -> Int { self.commands.filter { $0.command.id == id }.count }
}

/// Counts dispatchers whose ack subscription is up.
final class ReadyCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { self.count.load(ordering: .sequentiallyConsistent) }
    func increment() { self.count.add(1, ordering: .sequentiallyConsistent) }
}

/// Runs `dispatchers` until `body` returns (each subscribed first: made with `ready.increment` as `ready`), then
/// cancels them and waits for them to stop.
func withRunning(
    _ dispatchers: [CommandDispatcher],
    ready: ReadyCount,
    _ body: () async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for dispatcher in dispatchers {
            group.addTask { try await dispatcher.run() }
        }
        let up = try await DispatchFixture.waitFor(timeout: .seconds(30)) { ready.value == dispatchers.count }
        try #require(up, "the dispatchers did not subscribe")
        try await body()
        group.cancelAll()
        try await group.waitForAll()
    }
}
