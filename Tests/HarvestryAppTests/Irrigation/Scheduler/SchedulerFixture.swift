import Domain
import Foundation
import HarvestryApp
import Logging
import Store
import Testing

/// A database of its own in the suite's cluster (the scheduler looks at every site, so tests must not share one),
/// with a tenant, one zone with its valve, a group and a one-step program; schedules are added per test.
struct SchedulerFixture: Sendable {
    let owner: PostgresClient
    let service: PostgresClient
    let tenant: TestTenant
    let program: IrrigationProgram
    let irrigation: PostgresIrrigationRepository

    var site: UUID { self.tenant.siteIDs[0] }
    var scope: AccessScope {
        AccessScope(
            organizationID: self.tenant.organizationID,
            userID: self.tenant.adminID,
            siteIDs: Set(self.tenant.siteIDs),
            roles: ["admin", "manager"]
        )
    }

    static func with(_ body: (SchedulerFixture) async throws -> Void) async throws {
        let database = try AppDatabase.current()
        let name = "sched_\(UInt32.random(in: 0...UInt32.max))"
        try await database.owner.withConnection { try await $0.script("CREATE DATABASE \(name)") }
        let owner = PostgresClient(
            configuration: .init(conninfo: database.ownerConninfo + " dbname=\(name)", maximumConnections: 2),
            logger: TestDirectory.logger
        )
        defer { owner.close() }
        try await Migrator(migrations: try Migration.bundled(), logger: TestDirectory.logger).migrate(owner)
        let service = PostgresClient(
            configuration: .init(conninfo: database.serviceConninfo + " dbname=\(name)", maximumConnections: 6),
            logger: TestDirectory.logger
        )
        defer { service.close() }
        let tenant = try await TestTenant.make(
            in: AppDatabase(
                directory: database.directory,
                ownerConninfo: database.ownerConninfo,
                serviceConninfo: database.serviceConninfo,
                owner: owner
            )
        )
        let scope = AccessScope(
            organizationID: tenant.organizationID,
            userID: tenant.adminID,
            siteIDs: Set(tenant.siteIDs),
            roles: ["admin", "manager"]
        )
        let site = tenant.siteIDs[0]
        let spatial = PostgresSpatialRepository(client: service)
        let room = try await spatial.createRoom(
            NewRoom(siteID: site, code: "FLW-1", name: "Flower", roomType: .flower),
            in: scope,
            audit: .none
        )
        let zone = try await spatial.createZone(
            NewSpatialChild(siteID: site, parentID: room.id, code: "Z1", name: "Zone 1"),
            in: scope,
            audit: .none
        )
        let valve = try await spatial.createEquipment(
            NewEquipment(
                siteID: site,
                code: "VLV-1",
                name: "Valve 1",
                kind: .valve,
                valveLoadClass: .standard,
                zoneID: zone.id
            ),
            in: scope,
            audit: .none
        )
        let irrigation = PostgresIrrigationRepository(client: service)
        let group = try await irrigation.createGroup(
            IrrigationGroup(
                siteID: site,
                name: "Drip",
                valves: [ZoneValve(zoneID: zone.id, deviceID: valve.id, loadClass: .standard)]
            ),
            in: scope,
            audit: .none
        )
        let program = try await irrigation.createProgram(
            IrrigationProgram(
                groupID: group.id,
                name: "Morning",
                steps: [ProgramStep(zoneID: zone.id, amount: .duration(60))],
                maxRuntime: 600
            ),
            in: scope,
            audit: .none
        )
        try await body(
            SchedulerFixture(owner: owner, service: service, tenant: tenant, program: program, irrigation: irrigation)
        )
    }

    /// 2027-01-04 00:00 UTC, a Monday: what tests count from.
    static let base = Date(timeIntervalSince1970: 1_799_020_800)

    /// A daily schedule at `time` in `zone`, whose fires count from `since` (set as the owner: the column is the
    /// database's clock otherwise).
    func schedule(
        _ time: String,
        zone: String = "UTC",
        enabled: Bool = true,
        since: Date = Self.base
    ) async throws -> IrrigationSchedule {
        let schedule = try await self.irrigation.createSchedule(
            IrrigationSchedule(
                programID: self.program.id,
                trigger: .timeOfDay(try TimeOfDay.parse(time, field: "time"), days: Set(Weekday.allCases)),
                timeZoneIdentifier: zone,
                enabled: enabled
            ),
            in: self.scope,
            audit: .none
        )
        try await self.owner.query(
            "UPDATE irrigation_schedules SET fires_after = $2::timestamptz WHERE id = $1::uuid",
            [SQLValue(schedule.id), SQLValue(since)]
        )
        return schedule
    }

    /// Disables a schedule (as the owner: the repository has no update yet).
    func disable(_ schedule: IrrigationSchedule) async throws {
        try await self.owner.query(
            "UPDATE irrigation_schedules SET enabled = false WHERE id = $1::uuid",
            [SQLValue(schedule.id)]
        )
    }

    func scheduler(
        _ control: StartRecordingRunControl,
        instance: String = "test-a",
        grace: Duration = .seconds(600),
        clock: any SchedulerClock = WallSchedulerClock()
    ) throws -> IrrigationScheduler {
        try IrrigationScheduler(
            repository: PostgresScheduleFireRepository(client: self.service),
            runControl: control,
            configuration: .init(grace: grace, pollInterval: .seconds(30), instance: instance),
            clock: clock,
            logger: TestDirectory.logger
        )
    }

    func control(failure: String? = nil) -> StartRecordingRunControl {
        StartRecordingRunControl(programs: [self.program], failure: failure)
    }

    func fires(_ schedule: IrrigationSchedule) async throws -> [ScheduleFire] {
        try await PostgresScheduleFireRepository(client: self.service).fires(
            scheduleID: schedule.id,
            in: self.scope,
            limit: 1_000
        )
    }
}

extension Date {
    /// `self` plus days, hours, minutes and seconds.
    func plus(days: Double = 0, hours: Double = 0, minutes: Double = 0, seconds: Double = 0) -> Date {
        self.addingTimeInterval(days * 86_400 + hours * 3_600 + minutes * 60 + seconds)
    }
}
