import Foundation
import Store
import Testing

@testable import Simulator

@Suite struct SiteSpecTests {
    @Test func pilotTakesTheSeedsControllerAndTankPerRoomAndWiresValvesAndPumps() {
        let spec = SiteSpec.pilot()
        #expect(spec.site == PilotSeed.siteID.uuidString.lowercased())
        #expect(spec.zones.count == 10)
        let controllers = spec.devices.filter { $0.kind == .irrigationController }
        #expect(controllers.map(\.code) == ["IRR-VEG-1", "IRR-FLW-1"])
        #expect(spec.devices.filter { $0.kind == .tankLevel }.count == 2)
        // The seed holds them (one source of truth), with the ids the simulator always gave them.
        #expect(controllers[0].id == PilotSeed.id("sim/controller/VEG-1").uuidString.lowercased())
        #expect(
            controllers.map(\.id)
                == PilotSeed.devices.filter { $0.code.hasPrefix("IRR-") }.map { $0.id.uuidString.lowercased() }
        )
        let tank = spec.devices.first { $0.code == "TANK-FLW-1" }
        #expect(tank?.id == PilotSeed.id("sim/tank/FLW-1").uuidString.lowercased())
        #expect(tank?.controller == controllers[1].id)
        let vegController = controllers[0].id
        let valve1 = spec.devices.first { $0.code == "VLV-001" }
        #expect(valve1?.controller == vegController)
        #expect(valve1?.id == PilotSeed.devices.first { $0.code == "VLV-001" }?.id.uuidString.lowercased())
        #expect(spec.devices.first { $0.code == "VLV-003" }?.loadClass == .highLoad)
        #expect(spec.devices.first { $0.code == "PMP-002" }?.controller == controllers[1].id)
        #expect(spec.devices.first { $0.code == "TEMP-001" }?.kind == .climateSensor)
        #expect(spec.devices.first { $0.code == "EC-001" }?.kind == .substrateSensor)
        let inverter = spec.devices.first { $0.kind == .inverter }
        #expect(inverter?.code == "INV-1" && inverter?.zone == nil && inverter?.controller == nil)
        #expect(inverter?.id == PilotSeed.inverter.id.uuidString.lowercased())
        #expect(SiteSpec.pilot() == spec, "ids are deterministic")
        #expect(Set(spec.devices.map(\.id)).count == spec.devices.count)
    }

    @Test func scalesBySensorTemplatesWithStableUniqueIds() throws {
        let spec = try SiteSpec.pilot().scaled(to: 10_000)
        #expect(spec.devices.count == 10_000)
        #expect(Set(spec.devices.map(\.id)).count == 10_000)
        #expect(spec.devices.filter { $0.kind == .irrigationController }.count == 2)
        #expect(try SiteSpec.pilot().scaled(to: 10_000) == spec)
        #expect(throws: SpecError.self) { try SiteSpec.pilot().scaled(to: 3) }
    }

    static let scenario = """
        {"site": "site-1", "zones": [{"id": "z1", "code": "VEG-1-Z1"}],
         "devices": [{"id": "ctl-1", "code": "IRR-1", "kind": "irrigation-controller"},
                     {"id": "vlv-1", "code": "VLV-1", "kind": "valve", "zone": "z1", "load_class": "HL",
                      "controller": "ctl-1"},
                     {"id": "t-1", "code": "TEMP-1", "kind": "climate-sensor", "zone": "z1",
                      "sample_interval_ms": 500}]}
        """

    @Test func readsAScenarioFile() throws {
        let spec = try ScenarioFile.parse(Data(Self.scenario.utf8))
        #expect(spec.site == "site-1")
        #expect(spec.devices.map(\.kind) == [.irrigationController, .valve, .climateSensor])
        #expect(spec.devices[1].loadClass == .highLoad && spec.devices[1].controller == "ctl-1")
        #expect(spec.devices[2].sampleInterval == .milliseconds(500))
    }

    @Test(arguments: [
        ("\"kind\": \"climate-sensor\"", "\"kind\": \"toaster\"", "devices[2].kind"),
        ("\"load_class\": \"HL\"", "\"load_class\": \"XL\"", "devices[1].load_class"),
        ("\"controller\": \"ctl-1\"", "\"controller\": \"t-1\"", "devices[1].controller"),
        ("\"zone\": \"z1\", \"load_class\"", "\"zone\": \"nope\", \"load_class\"", "devices[1].zone"),
        ("\"site\": \"site-1\"", "\"site\": \"a/b\"", "site"),
        ("\"sample_interval_ms\": 500", "\"sample_interval_ms\": 0", "devices[2].sample_interval_ms"),
        ("\"sample_interval_ms\": 500", "\"sample_interval_ms\": \"fast\"", "devices[2].sample_interval_ms"),
        ("\"id\": \"t-1\"", "\"id\": \"ctl-1\"", "devices[2].id"),
    ])
    func namesTheBadField(original: String, replacement: String, field: String) {
        let text = Self.scenario.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.scenario)
        do {
            _ = try ScenarioFile.parse(Data(text.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func plansAConnectionPerControllerAndGroupsTheRest() {
        let devices =
            (0..<5).map { SimulatedDevice(id: "s\($0)", site: "x", kind: .climateSensor, code: "S\($0)") } + [
                SimulatedDevice(id: "c", site: "x", kind: .irrigationController, code: "C"),
                SimulatedDevice(id: "v", site: "x", kind: .valve, code: "V"),
            ]
        let plans = ConnectionPlan.plan(site: "x", devices: devices, controllerOf: ["v": "c"], groupSize: 2)
        #expect(plans.map { $0.devices.map(\.id) } == [["c", "v"], ["s0", "s1"], ["s2", "s3"], ["s4"]])
        #expect(plans[0].isController && plans[0].willDevice == "c")
        #expect(plans[1].willDevice.hasPrefix("simgw-"))
        #expect(plans.allSatisfy { $0.clientID.count <= 23 })
        #expect(Set(plans.map(\.clientID)).count == plans.count)
    }
}

@Suite struct TruthRecorderTests {
    @Test func writesJSONLinesAndReadsThemBack() async throws {
        let path = NSTemporaryDirectory() + "hv-truth-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try TruthRecorder(path: path, bufferLimit: 64)
        let t = SimInstant(secondsSinceEpoch: 10)
        var published = TruthRecord(kind: .published, at: t, device: "d")
        published.channel = "telemetry"
        published.sequence = 7
        for index in 0..<50 { recorder.record(.output("valve", isOn: index % 2 == 0, device: "v", at: t)) }
        recorder.record([.fault("estop-open", detail: "held", device: "c", at: t), published])
        await recorder.close()
        let records = try TruthLog.read(path: path)
        #expect(records.count == 52)
        #expect(records.last == published)
        #expect(records[50].fault == "estop-open")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text.hasPrefix(
                "{\"device\":\"v\",\"kind\":\"output\",\"on\":true,\"output\":\"valve\",\"sim_ns\":10000000000}\n"
            )
        )
    }
}
