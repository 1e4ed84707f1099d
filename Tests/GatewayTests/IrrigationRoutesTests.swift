import Testing

@testable import Gateway

/// IrrigationService is generated before it is served (issue 7): the gateway must not route to it yet, and its
/// annotations must build, the seed contract paths among them.
@Suite("IrrigationService routes")
struct IrrigationRoutesTests {
    @Test("not exposed by default; its rules build, with the three seed contract paths")
    func routes() throws {
        let index = try DescriptorIndex.embedded()
        let production = try RouteTable(index: index)
        #expect(!production.routes.contains { $0.method.service.hasPrefix("harvestry.irrigation.") })
        #expect(!RouteTable.defaultExposure("harvestry.irrigation.v1.IrrigationService"))
        #expect(RouteTable.defaultExposure("harvestry.spatial.v1.SpatialService"))

        let all = try RouteTable(index: index) { $0 == "harvestry.irrigation.v1.IrrigationService" }
        let labels = Set(all.routes.map(\.label))
        for seed in ["POST /irrigation/programs", "POST /irrigation/runs", "POST /irrigation/runs/{run_id}/abort"] {
            #expect(labels.contains(seed), "\(labels.sorted())")
        }
        #expect(labels.contains("GET /v1/{name=sites/*/irrigationRuns/*}:stream"))
        #expect(all.routes.count == 29)
    }
}
