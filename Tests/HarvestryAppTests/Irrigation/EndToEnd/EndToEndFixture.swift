import Bus
import Domain
import Foundation
import HarvestryApp
import Logging
import MetricsTestKit
import ServiceLifecycle
import Simulator
import Store
import Testing

/// The irrigation plane end to end on the pilot site: `DispatchFixture` (the suite's Postgres with the pilot seeded,
/// an embedded Mosquitto, the simulator's pilot running in-process with its ground truth) plus, per platform instance,
/// the platform's `MQTTIngest` (device states and readings stored), a `RunEngine` on the wall clock and a
/// `CommandDispatcher` reporting to it. Everything talks through the real broker and database; the test only starts
/// runs, injects device faults and reads the stored run and the simulator's truth.
struct EndToEndFixture: Sendable {
    let base: DispatchFixture
    /// One run engine per platform instance (each with its own database pool, dispatcher and ingest).
    let engines: [RunEngine]
    /// Each instance's command dispatcher metrics.
    let dispatchMetrics: [TestMetrics]
    let irrigation: PostgresIrrigationRepository

    /// The first instance's engine.
    var engine: RunEngine { self.engines[0] }

    static let scope = AccessScope(
        organizationID: PilotSeed.organizationID,
        userID: PilotSeed.people[9].id,
        siteIDs: [PilotSeed.siteID],
        roles: ["admin"]
    )
    static let veg = PilotSeed.irrigation.first { $0.room == "VEG-1" }!
    static let flower = PilotSeed.irrigation.first { $0.room == "FLW-1" }!

    /// Runs `body` with everything up (`instances` platform instances on the one database and broker) and both pilot
    /// controllers' states stored; returns the simulator's truth. The site's irrigation settings and interlock
    /// sources start as the seed left them, with no live run and no lockout left by an earlier test.
    @discardableResult
    static func with(instances: Int = 1, _ body: (EndToEndFixture) async throws -> Void) async throws -> [TruthRecord] {
        try await DispatchFixture.with { base in
            var logger = Logger(label: "irrigation-e2e")
            logger.logLevel = .error
            let irrigation = PostgresIrrigationRepository(client: base.service)
            try await irrigation.saveSettings(Self.pilotSettings, in: Self.scope, audit: .none)
            let ready = ReadyCount()
            var engines: [RunEngine] = []
            var dispatchMetrics: [TestMetrics] = []
            var clients: [PostgresClient] = []
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            for index in 0..<instances {
                // The first instance uses the fixture's pool; each other one has its own, as another process would.
                let client =
                    index == 0
                    ? base.service
                    : PostgresClient(
                        configuration: .init(conninfo: base.database.serviceConninfo, maximumConnections: 8),
                        logger: logger
                    )
                if index > 0 { clients.append(client) }
                let instance = Self.instance(client: client, base: base, ready: ready, logger: logger)
                engines.append(instance.engine)
                dispatchMetrics.append(instance.metrics)
                services += instance.services
            }
            defer { for client in clients { client.close() } }
            let fixture = EndToEndFixture(
                base: base,
                engines: engines,
                dispatchMetrics: dispatchMetrics,
                irrigation: irrigation
            )
            try await Self.resetBeforeStart(irrigation, engines[0], base)
            let group = ServiceGroup(configuration: .init(services: services, logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    let up = try await DispatchFixture.waitFor(timeout: .seconds(30)) { ready.value == 2 * instances }
                    try #require(up, "the dispatchers and the ingests did not subscribe")
                    for setup in PilotSeed.irrigation {
                        let stored = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                            try await fixture.controllerState(setup, "estop") == "closed"
                        }
                        try #require(stored, "the state of \(setup.room)'s controller was not stored")
                    }
                    try await fixture.clearLeftoverLockouts()
                    try await body(fixture)
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// One platform instance on `client`: its run engine (200 ms pass), the dispatcher reporting to it, the ingest.
    private static func instance(
        client: PostgresClient,
        base: DispatchFixture,
        ready: ReadyCount,
        logger: Logger
    ) -> (engine: RunEngine, metrics: TestMetrics, services: [ServiceGroupConfiguration.ServiceConfiguration]) {
        let irrigation = PostgresIrrigationRepository(client: client)
        let engine = RunEngine(
            repository: irrigation,
            store: irrigation,
            configuration: RunEngineConfiguration(tickInterval: .milliseconds(200)),
            logger: logger
        )
        let metrics = TestMetrics()
        let dispatcher = CommandDispatcher(
            outbox: irrigation,
            database: client,
            sink: engine,
            configuration: .init(endpoint: base.endpoint, fallbackPoll: .seconds(1)),
            logger: logger,
            metrics: CommandDispatchMetrics(factory: metrics),
            onReady: ready.increment
        )
        let ingest = MQTTIngest(
            pipeline: TelemetryPipeline(repository: PostgresTelemetryRepository(client: client)),
            configuration: .init(endpoint: base.endpoint),
            logger: logger,
            metrics: MQTTIngestMetrics(factory: TestMetrics()),
            onSubscribed: ready.increment
        )
        return (engine, metrics, [.init(service: dispatcher), .init(service: ingest), .init(service: engine)])
    }

    /// The pilot seed's irrigation settings (required inputs E-STOP, door, tank level; every other setting the default).
    static var pilotSettings: IrrigationSiteSettings {
        var settings = IrrigationSiteSettings(siteID: PilotSeed.siteID)
        settings.policy.requiredInputs = Set(
            PilotSeed.requiredInterlockInputs.compactMap(InterlockInput.init(rawValue:))
        )
        return settings
    }

    /// A state property of the room's controller as the platform stored it (nil before any state).
    func controllerState(_ setup: PilotSeed.RoomIrrigation, _ property: String) async throws -> String? {
        let rows = try await self.base.database.owner.query(
            "SELECT properties ->> $2 AS value FROM device_states WHERE equipment_id = $1::uuid",
            [SQLValue(setup.controllerID), SQLValue(property)]
        )
        return try rows.first?.decode("value")
    }

    /// Starts the room's seeded line-check program through the run engine.
    func start(_ setup: PilotSeed.RoomIrrigation) async throws -> IrrigationRun {
        try await self.engine.startRun(programID: setup.programID, manualApproval: false, in: Self.scope, audit: .none)
    }

    func run(_ id: UUID) async throws -> IrrigationRun { try await self.irrigation.run(id, in: Self.scope) }

    /// Polls the stored run until `condition` holds (at most `timeout`); returns the run as last read.
    func waitForRun(
        _ id: UUID,
        timeout: Duration = .seconds(30),
        _ condition: @escaping (IrrigationRun) -> Bool
    ) async throws -> IrrigationRun {
        _ = try await DispatchFixture.waitFor(timeout: timeout) { condition(try await self.run(id)) }
        return try await self.run(id)
    }

    /// Applies a device fault to the running simulation now (E-STOP, door, tank low, restore ...).
    func inject(_ fault: DeviceFault, on device: UUID) async {
        await self.base.simulation.apply(fault, to: device.uuidString.lowercased(), at: self.base.runtime.simNow)
    }

    /// Interlock events of the run, oldest first: "KIND REASON".
    func events(run: UUID) async throws -> [String] {
        let rows = try await self.base.database.owner.query(
            "SELECT kind, reason FROM interlock_events WHERE run_id = $1::uuid ORDER BY recorded_at, occurred_at, kind",
            [SQLValue(run)]
        )
        return try rows.map { "\(try $0.decode("kind", as: String.self)) \(try $0.decode("reason", as: String.self))" }
    }

    /// Every valve output switch of the room in the truth, in order: (valve code, on).
    static func valveSwitches(_ records: [TruthRecord], _ setup: PilotSeed.RoomIrrigation) -> [(String, Bool)] {
        let codes = Dictionary(uniqueKeysWithValues: setup.valves.map { ($0.id.uuidString.lowercased(), $0.code) })
        return records.compactMap { record in
            guard record.kind == .output, let code = codes[record.device], let on = record.on else { return nil }
            return (code, on)
        }
    }
}
