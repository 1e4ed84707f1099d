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
/// an embedded Mosquitto, the simulator's pilot running in-process with its ground truth) plus the platform's
/// `MQTTIngest` (device states and readings stored), a `RunEngine` on the wall clock and a `CommandDispatcher`
/// reporting to it. Everything talks through the real broker and database; the test only starts runs, injects
/// device faults and reads the stored run and the simulator's truth.
struct EndToEndFixture: Sendable {
    let base: DispatchFixture
    let engine: RunEngine
    let irrigation: PostgresIrrigationRepository

    static let scope = AccessScope(
        organizationID: PilotSeed.organizationID,
        userID: PilotSeed.people[9].id,
        siteIDs: [PilotSeed.siteID],
        roles: ["admin"]
    )
    static let veg = PilotSeed.irrigation.first { $0.room == "VEG-1" }!
    static let flower = PilotSeed.irrigation.first { $0.room == "FLW-1" }!

    /// Runs `body` with everything up and both pilot controllers' states stored; returns the simulator's truth.
    @discardableResult
    static func with(_ body: (EndToEndFixture) async throws -> Void) async throws -> [TruthRecord] {
        try await DispatchFixture.with { base in
            var logger = Logger(label: "irrigation-e2e")
            logger.logLevel = .error
            let irrigation = PostgresIrrigationRepository(client: base.service)
            let engine = RunEngine(
                repository: irrigation,
                store: irrigation,
                configuration: RunEngineConfiguration(tickInterval: .milliseconds(200)),
                logger: logger
            )
            let ready = ReadyCount()
            let dispatcher = CommandDispatcher(
                outbox: irrigation,
                database: base.service,
                sink: engine,
                configuration: .init(endpoint: base.endpoint, fallbackPoll: .seconds(1)),
                logger: logger,
                metrics: CommandDispatchMetrics(factory: TestMetrics()),
                onReady: ready.increment
            )
            let ingest = MQTTIngest(
                pipeline: TelemetryPipeline(repository: PostgresTelemetryRepository(client: base.service)),
                configuration: .init(endpoint: base.endpoint),
                logger: logger,
                metrics: MQTTIngestMetrics(factory: TestMetrics()),
                onSubscribed: ready.increment
            )
            let fixture = EndToEndFixture(base: base, engine: engine, irrigation: irrigation)
            let services = ServiceGroup(
                configuration: .init(
                    services: [.init(service: dispatcher), .init(service: ingest), .init(service: engine)],
                    logger: logger
                )
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                do {
                    let up = try await DispatchFixture.waitFor(timeout: .seconds(30)) { ready.value == 2 }
                    try #require(up, "the dispatcher and the ingest did not subscribe")
                    for setup in PilotSeed.irrigation {
                        let stored = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                            try await fixture.controllerState(setup, "estop") == "closed"
                        }
                        try #require(stored, "the state of \(setup.room)'s controller was not stored")
                    }
                    try await body(fixture)
                } catch {
                    await services.triggerGracefulShutdown()
                    try? await group.waitForAll()
                    throw error
                }
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
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
