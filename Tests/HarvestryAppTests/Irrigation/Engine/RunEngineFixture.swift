import Domain
import Foundation
import HarvestryApp
import Logging
import Store
import Synchronization
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) { self.instant = Mutex(start) }

    var now: Date { self.instant.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { self.instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A site with two zones (HL and STD valves), a controller whose state feeds E-STOP, door and tank, a group over
/// both zones, a two-step timed program (60 s, 30 s), and a run engine on a hand-moved clock. The test acts as the
/// device: `ack` records the acknowledgement and reports the settlement, as the dispatcher would.
struct RunEngineFixture: Sendable {
    let database: AppDatabase
    let client: PostgresClient
    let tenant: TestTenant
    let site: UUID
    let zones: [UUID]
    let valves: [UUID]
    let controller: UUID
    let group: IrrigationGroup
    let program: IrrigationProgram
    let irrigation: PostgresIrrigationRepository
    let telemetry: PostgresTelemetryRepository
    let clock: TestClock
    let engine: RunEngine

    var scope: AccessScope {
        AccessScope(
            organizationID: self.tenant.organizationID,
            userID: self.tenant.adminID,
            siteIDs: [self.site],
            roles: ["admin", "manager"]
        )
    }

    /// Runs `body` with a fresh fixture; the client is closed afterwards.
    static func with(
        required: Set<InterlockInput> = [.eStop, .door, .tankLevel],
        timing: CommandTiming = CommandTiming(),
        manualApproval: Bool = false,
        alarmDelays: [InterlockReason: TimeInterval] = [:],
        _ body: (RunEngineFixture) async throws -> Void
    ) async throws {
        let database = try AppDatabase.current()
        let client = PostgresClient(
            configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 4),
            logger: TestDirectory.logger
        )
        defer { client.close() }
        let policy = InterlockPolicy(requiredInputs: required, alarmDelays: alarmDelays)
        let f = try await Self.make(database, client, policy: policy, timing: timing, manual: manualApproval)
        try await body(f)
    }

    private static func make(
        _ database: AppDatabase,
        _ client: PostgresClient,
        policy: InterlockPolicy,
        timing: CommandTiming,
        manual: Bool
    ) async throws -> RunEngineFixture {
        let tenant = try await TestTenant.make(in: database, sites: 1)
        let site = tenant.siteIDs[0]
        let scope = AccessScope(
            organizationID: tenant.organizationID,
            userID: tenant.adminID,
            siteIDs: [site],
            roles: ["admin"]
        )
        let spatial = PostgresSpatialRepository(client: client)
        let room = try await spatial.createRoom(
            NewRoom(siteID: site, code: "FLW", name: "Flower", roomType: .flower),
            in: scope,
            audit: .none
        )
        var zones: [UUID] = []
        var valves: [UUID] = []
        for (n, load) in [ValveLoadClass.highLoad, .standard].enumerated() {
            let zone = try await spatial.createZone(
                NewSpatialChild(siteID: site, parentID: room.id, code: "Z\(n)", name: "Zone \(n)"),
                in: scope,
                audit: .none
            )
            let valve = try await spatial.createEquipment(
                NewEquipment(
                    siteID: site,
                    code: "VLV-\(n)",
                    name: "Valve \(n)",
                    kind: .valve,
                    valveLoadClass: load,
                    zoneID: zone.id
                ),
                in: scope,
                audit: .none
            )
            zones.append(zone.id)
            valves.append(valve.id)
        }
        let controller = try await spatial.createEquipment(
            NewEquipment(siteID: site, code: "CTL-1", name: "Controller", kind: .controller, roomID: room.id),
            in: scope,
            audit: .none
        ).id
        let irrigation = PostgresIrrigationRepository(client: client)
        let group = try await irrigation.createGroup(
            IrrigationGroup(
                siteID: site,
                name: "Flower drip",
                valves: [
                    ZoneValve(zoneID: zones[0], deviceID: valves[0], loadClass: .heavyLoad),
                    ZoneValve(zoneID: zones[1], deviceID: valves[1], loadClass: .standard),
                ]
            ),
            in: scope,
            audit: .none
        )
        let program = try await irrigation.createProgram(
            IrrigationProgram(
                groupID: group.id,
                name: "Morning",
                steps: [
                    ProgramStep(zoneID: zones[0], amount: .duration(60)),
                    ProgramStep(zoneID: zones[1], amount: .duration(30)),
                ],
                maxRuntime: 900
            ),
            in: scope,
            audit: .none
        )
        try await irrigation.saveSettings(
            IrrigationSiteSettings(
                siteID: site,
                manualApproval: manual,
                policy: policy,
                commandTiming: timing
            ),
            in: scope,
            audit: .none
        )
        for (input, property) in [(InterlockInput.eStop, "estop"), (.door, "door"), (.tankLevel, "tank")] {
            try await irrigation.setInterlockSource(
                .deviceState(deviceID: controller, property: property),
                for: input,
                groupID: group.id,
                in: scope,
                audit: .none
            )
        }
        let clock = TestClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded()))
        let engine = Self.engine(irrigation, clock)
        let fixture = RunEngineFixture(
            database: database,
            client: client,
            tenant: tenant,
            site: site,
            zones: zones,
            valves: valves,
            controller: controller,
            group: group,
            program: program,
            irrigation: irrigation,
            telemetry: PostgresTelemetryRepository(client: client),
            clock: clock,
            engine: engine
        )
        try await fixture.controllerReports()
        return fixture
    }

    /// An engine over `irrigation` on `clock`, quiet: another instance, as a second server would run.
    static func engine(_ irrigation: PostgresIrrigationRepository, _ clock: TestClock) -> RunEngine {
        var logger = Logger(label: "run-engine-tests")
        logger.logLevel = .critical
        return RunEngine(repository: irrigation, store: irrigation, now: { clock.now }, logger: logger)
    }

    /// The controller publishes its state now.
    func controllerReports(estop: String = "closed", door: String = "closed", tank: String = "ok") async throws {
        _ = try await self.telemetry.recordState(
            DeviceState(
                siteID: self.site,
                deviceID: self.controller,
                reportedAt: self.clock.now,
                firmwareVersion: "1.0",
                uptimeSeconds: 10,
                signalDBM: -50,
                faultCode: nil,
                properties: ["estop": estop, "door": door, "tank": tank, "valves_on": "0"]
            )
        )
    }

    func start() async throws -> IrrigationRun {
        try await self.engine.startRun(programID: self.program.id, manualApproval: false, in: self.scope, audit: .none)
    }

    func run(_ id: UUID) async throws -> IrrigationRun { try await self.irrigation.run(id, in: self.scope) }

    /// The run's commands, oldest first.
    func commands(_ runID: UUID) async throws -> [DeviceCommand] {
        let rows = try await self.database.owner.query(
            "SELECT id FROM device_commands WHERE run_id = $1::uuid ORDER BY created_at, idempotency_key",
            [SQLValue(runID)]
        )
        var commands: [DeviceCommand] = []
        for row in rows {
            commands.append(try await self.irrigation.command(try row.decode("id"), in: self.scope).command)
        }
        return commands
    }

    /// Acts as the device and the dispatcher: records the ack now and reports the settlement to the engine.
    @discardableResult
    func ack(_ command: DeviceCommand, _ stage: CommandAck = .executed) async throws -> StoredCommand {
        let outcome = try await self.irrigation.recordAck(
            commandID: command.id,
            siteID: self.site,
            stage: stage,
            reason: stage == .rejected ? "refused" : nil,
            at: self.clock.now
        )
        await self.engine.commandsSettled([outcome.command])
        return outcome.command
    }

    func tick() async { await self.engine.tick(only: [self.site]) }

    /// Interlock events of the run: "KIND REASON".
    func events(_ runID: UUID) async throws -> [String] {
        let rows = try await self.database.owner.query(
            "SELECT kind, reason FROM interlock_events WHERE run_id = $1::uuid ORDER BY recorded_at, occurred_at, kind",
            [SQLValue(runID)]
        )
        return try rows.map { "\(try $0.decode("kind", as: String.self)) \(try $0.decode("reason", as: String.self))" }
    }

    /// Audit rows of the run's alerts: their codes.
    func alerts(_ runID: UUID) async throws -> [String] {
        let rows = try await self.database.owner.query(
            """
            SELECT details FROM audit_logs WHERE action = 'irrigation_run.alert' AND resource_id = $1 ORDER BY seq
            """,
            [SQLValue(runID.uuidString.lowercased())]
        )
        return try rows.map { try $0.decode("details", as: String.self) }
    }
}
