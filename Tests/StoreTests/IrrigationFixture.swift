import Domain
import Foundation
import Store
import Testing

/// A site with a room, two zones each with its valve, an irrigation group over both and a two-step program.
struct IrrigationFixture: Sendable {
    let db: MigratedDatabase
    let tenant: TestTenant
    let site: UUID
    let zones: [UUID]
    let valves: [UUID]
    let group: IrrigationGroup
    let program: IrrigationProgram
    let irrigation: PostgresIrrigationRepository

    var scope: AccessScope { self.tenant.scope(site: self.site) }

    static func make(
        in db: MigratedDatabase,
        tenant: TestTenant? = nil,
        site index: Int = 0
    ) async throws
        -> IrrigationFixture
    {
        let tenant = if let tenant { tenant } else { try await TestTenant.make(in: db) }
        let site = tenant.siteIDs[index]
        let scope = tenant.scope
        let tag = UInt16.random(in: 0...9999)
        let room = try await db.spatial.createRoom(
            NewRoom(siteID: site, code: "FLW-\(tag)", name: "Flower", roomType: .flower),
            in: scope,
            audit: .none
        )
        var zones: [UUID] = []
        var valves: [UUID] = []
        for (n, load) in [ValveLoadClass.highLoad, .standard].enumerated() {
            let zone = try await db.spatial.createZone(
                NewSpatialChild(siteID: site, parentID: room.id, code: "Z\(tag)-\(n)", name: "Zone \(n)"),
                in: scope,
                audit: .none
            )
            let valve = try await db.spatial.createEquipment(
                NewEquipment(
                    siteID: site,
                    code: "VLV-\(tag)-\(n)",
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
        let irrigation = PostgresIrrigationRepository(client: db.service)
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
                    ProgramStep(zoneID: zones[0], amount: .duration(120)),
                    ProgramStep(zoneID: zones[1], amount: .volumeLiters(40)),
                ],
                maxRuntime: 900
            ),
            in: scope,
            audit: .none
        )
        return IrrigationFixture(
            db: db,
            tenant: tenant,
            site: site,
            zones: zones,
            valves: valves,
            group: group,
            program: program,
            irrigation: irrigation
        )
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A QUEUED open command for valve `index`, created at `t0`.
    func command(
        _ index: Int = 0,
        key: String = UUID().uuidString,
        expiresIn: TimeInterval = 60,
        ackTimeout: TimeInterval = 5,
        maxAttempts: Int = 3
    ) -> DeviceCommand {
        DeviceCommand(
            deviceID: self.valves[index],
            zoneID: self.zones[index],
            action: .open,
            idempotencyKey: key,
            createdAt: Self.t0,
            expiresAt: Self.t0.addingTimeInterval(expiresIn),
            ackTimeout: ackTimeout,
            maxAttempts: maxAttempts
        )
    }

    func newRun() -> IrrigationRun {
        IrrigationRun(
            program: self.program,
            requestedBy: self.tenant.adminID,
            requestedAt: Self.t0,
            manualApproval: false
        )
    }
}
