import Foundation
import Testing

@testable import Simulator

@Suite struct DeviceGroupsTests {
    /// Two zones, a room-level sensor, a controller in zone z2 wired to a valve of zone z1, and a pump of a
    /// controller without a zone.
    static let spec = SiteSpec(
        site: "site-g",
        zones: [ZoneSpec(id: "z1", code: "A-Z1"), ZoneSpec(id: "z2", code: "A-Z2")],
        devices: [
            DeviceSpec(id: "t1", code: "T1", kind: .climateSensor, zone: "z1"),
            DeviceSpec(id: "room", code: "R", kind: .climateSensor),
            DeviceSpec(id: "t2", code: "T2", kind: .climateSensor, zone: "z2"),
            DeviceSpec(id: "t3", code: "T3", kind: .substrateSensor, zone: "z1"),
            DeviceSpec(id: "c2", code: "C2", kind: .irrigationController, zone: "z2"),
            DeviceSpec(id: "v1", code: "V1", kind: .valve, zone: "z1", loadClass: .standard, controller: "c2"),
            DeviceSpec(id: "c0", code: "C0", kind: .irrigationController),
            DeviceSpec(id: "p0", code: "P0", kind: .pump, zone: "z1", controller: "c0"),
        ]
    )

    static func simulated(_ spec: SiteSpec) -> [SimulatedDevice] {
        spec.devices.map { SimulatedDevice(id: $0.id, site: spec.site, kind: $0.kind, code: $0.code) }
    }

    static func controllerOf(_ spec: SiteSpec) -> [DeviceID: DeviceID] {
        Dictionary(
            uniqueKeysWithValues: spec.devices.compactMap { device in device.controller.map { (device.id, $0) } }
        )
    }

    @Test func zonesMakeGroupsAndAWiredDeviceFollowsItsController() {
        let groups = DeviceGroups(spec: Self.spec)
        #expect(groups.names == ["z1", "site", "z2"])
        #expect(groups.members["z1"] == ["t1", "t3"])
        #expect(groups.members["z2"] == ["t2", "c2", "v1"])
        #expect(groups.members["site"] == ["room", "c0", "p0"])
        #expect(groups.members[DeviceGroups.all] == nil)
    }

    @Test func pilotGroupsAreItsSensorZonesAndSite() {
        let spec = SiteSpec.pilot()
        let groups = DeviceGroups(spec: spec)
        let zone = { (code: String) in spec.zones.first { $0.code == code }!.id }
        #expect(groups.names.sorted() == [zone("FLW-1-Z1"), zone("VEG-1-Z1"), "site"].sorted())
        #expect(groups.members[zone("VEG-1-Z1")]?.count == 5)
        #expect(groups.members[zone("FLW-1-Z1")]?.count == 5)
        // The valves sit in zones but hang off their room's controller: they are in its group.
        let valves = spec.devices.filter { $0.kind == .valve }.map(\.id)
        #expect(valves.allSatisfy { groups.groupOf[$0] == "site" })
        // Every group is a valid `deviceGroups/{group}` target.
        for name in groups.names + [DeviceGroups.all] {
            #expect(FaultTarget(parsing: "deviceGroups/\(name)") == .deviceGroup(name))
        }
    }

    @Test func aDeviceFaultOnAZoneGroupReachesItsMembersOnly() async throws {
        let spec = SiteSpec.pilot()
        let groups = DeviceGroups(spec: spec)
        let start = SimInstant(secondsSinceEpoch: 1_700_000_000)
        let site = SiteSimulationFaultTarget(
            SiteSimulation(spec: spec, seed: 1, start: start),
            groups: groups.members
        )
        let injector = FaultInjector(targets: .init(devices: site), clock: { start }, log: { _ in })
        let zone = try #require(spec.zones.first { $0.code == "VEG-1-Z1" }).id
        let fault = try await injector.inject(
            FaultRequest(target: .deviceGroup(zone), effect: .device(.offline), duration: .seconds(5)),
            by: "test"
        )
        #expect(fault.devices == groups.members[zone])
        #expect(fault.devices.count == 5)
        let unknown = await #expect(throws: FaultError.self) {
            _ = try await injector.inject(
                FaultRequest(target: .deviceGroup("VEG-1-Z9"), effect: .device(.offline)),
                by: "test"
            )
        }
        #expect(unknown?.violations.map(\.field) == ["fault.target"])
    }

    @Test(arguments: [1, 2, 250])
    func connectionsNeverMixGroups(groupSize: Int) {
        let groups = DeviceGroups(spec: Self.spec)
        let plans = ConnectionPlan.plan(
            site: Self.spec.site,
            devices: Self.simulated(Self.spec),
            controllerOf: Self.controllerOf(Self.spec),
            groupOf: groups.groupOf,
            groupSize: groupSize
        )
        for plan in plans {
            #expect(plan.devices.allSatisfy { groups.groupOf[$0.id] == plan.group }, "\(plan)")
            #expect(plan.isController || plan.devices.count <= groupSize)
        }
        #expect(plans.flatMap { $0.devices.map(\.id) }.sorted() == Self.spec.devices.map(\.id).sorted())
        #expect(Set(plans.map(\.clientID)).count == plans.count)
        #expect(plans.allSatisfy { $0.clientID.count <= 23 })
        let controllers = plans.filter(\.isController)
        #expect(controllers.map { $0.devices.map(\.id) } == [["c2", "v1"], ["c0", "p0"]])
        #expect(controllers.map(\.group) == ["z2", "site"])
    }

    @Test func groupConnectionsAreCutPerGroupWithStableIds() {
        let groups = DeviceGroups(spec: Self.spec)
        let plan = {
            ConnectionPlan.plan(
                site: Self.spec.site,
                devices: Self.simulated(Self.spec),
                controllerOf: Self.controllerOf(Self.spec),
                groupOf: groups.groupOf,
                groupSize: 250
            )
        }
        let plans = plan()
        let gateways = plans.filter { !$0.isController }
        #expect(gateways.map { $0.devices.map(\.id) } == [["t1", "t3"], ["room"], ["t2"]])
        #expect(gateways.map(\.group) == ["z1", "site", "z2"])
        #expect(plan() == plans, "the same site plans the same connections and client ids")
    }

    @Test func withoutGroupsEverythingIsOneSiteGroupAsBefore() {
        let plans = ConnectionPlan.plan(
            site: Self.spec.site,
            devices: Self.simulated(Self.spec),
            controllerOf: Self.controllerOf(Self.spec),
            groupSize: 2
        )
        #expect(plans.allSatisfy { $0.group == DeviceGroups.siteLevel })
        #expect(plans.filter { !$0.isController }.map { $0.devices.map(\.id) } == [["t1", "room"], ["t2", "t3"]])
    }

    @Test(arguments: ["all", "site"])
    func aScenarioCannotNameAZoneLikeAGroupOfItsOwn(zone: String) {
        let text = """
            {"site": "s", "zones": [{"id": "\(zone)", "code": "Z"}],
             "devices": [{"id": "t-1", "code": "T", "kind": "climate-sensor", "zone": "\(zone)"}]}
            """
        #expect(throws: SpecError.self) { _ = try ScenarioFile.parse(Data(text.utf8)) }
        do {
            _ = try ScenarioFile.parse(Data(text.utf8))
        } catch {
            #expect(error.field == "zones[0].id", "\(error)")
        }
    }

    @Test func proxyNamesFitAndTruthKeepsConnectionLevelEffects() {
        #expect(RuntimeNetworkFaultTarget.proxyName(group: "z1", index: 0) == "broker-z1")
        #expect(
            RuntimeNetworkFaultTarget.proxyName(group: String(repeating: "a", count: 64), index: 3) == "broker.group-3"
        )
        let base = FaultRecord(
            sequence: 1,
            time: Date(),
            proxy: "broker-z1",
            group: "z1",
            toxic: "fault-2",
            type: "down",
            direction: .both,
            effect: .refused,
            connection: 4
        )
        let at = SimInstant(secondsSinceEpoch: 5)
        let line = TruthRecord.proxy(base, at: at)
        #expect(line?.fault == "proxy-refused")
        #expect(line?.device == "deviceGroups/z1")
        #expect(line?.detail == "proxy=broker-z1 toxic=fault-2 type=down direction=both connection=4")
        var delayed = base
        delayed.effect = .delayed
        #expect(TruthRecord.proxy(delayed, at: at) == nil)
    }
}
