import Foundation
import Testing

@testable import Simulator

@Suite struct ConnectionPlanInstanceTests {
    static let devices =
        (0..<7).map { SimulatedDevice(id: "s\($0)", site: "x", kind: .climateSensor, code: "S\($0)") } + [
            SimulatedDevice(id: "c", site: "x", kind: .irrigationController, code: "C"),
            SimulatedDevice(id: "v", site: "x", kind: .valve, code: "V"),
        ]

    static func ids(site: String = "site-a", instance: String) -> [String] {
        ConnectionPlan.plan(
            site: site,
            devices: Self.devices,
            controllerOf: ["v": "c"],
            groupSize: 2,
            instance: instance
        ).map(\.clientID)
    }

    @Test func clientIDsDifferPerInstanceAndStayStableAndShort() {
        let instances = ["1", "2", "b", "zz99abcd", "00000000"]
        let plans = instances.map { Self.ids(instance: $0) }
        let all = plans.flatMap { $0 }
        #expect(Set(all).count == all.count, "two instances share a client id: \(all)")
        #expect(all.allSatisfy { $0.utf8.count <= 23 }, "\(all.filter { $0.utf8.count > 23 })")
        #expect(instances.map { Self.ids(instance: $0) } == plans, "the ids changed between two plans")
    }

    @Test func theDefaultInstanceKeepsTheSiteOnlyTag() {
        #expect(ConnectionPlan.siteTag("site-a", instance: "1") == ConnectionPlan.siteTag("site-a"))
        #expect(ConnectionPlan.siteTag("site-a", instance: "2") != ConnectionPlan.siteTag("site-a"))
        #expect(Self.ids(instance: "1").first == "hvs-\(ConnectionPlan.siteTag("site-a"))-c00000")
    }

    @Test(arguments: ["", "A", "a-b", "123456789", "é", "a b"])
    func invalidInstancesAreRefusedNamingTheField(instance: String) {
        #expect(throws: SpecError.self) { try RuntimeConfiguration.validate(instance: instance, field: "--instance") }
        do {
            try RuntimeConfiguration.validate(instance: instance, field: "--instance")
        } catch {
            #expect(error.field == "--instance")
        }
    }

    @Test(arguments: ["1", "a", "sim2", "abcdefgh", "0"])
    func validInstancesAreAccepted(instance: String) throws {
        try RuntimeConfiguration.validate(instance: instance, field: "--instance")
    }
}
