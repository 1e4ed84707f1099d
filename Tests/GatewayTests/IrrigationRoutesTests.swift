import API
import SwiftProtobuf
import Testing

@testable import Gateway

/// IrrigationService is served (issue 7): the gateway routes to it by default, its annotations build, the seed
/// contract paths among them.
@Suite("IrrigationService routes")
struct IrrigationRoutesTests {
    @Test("exposed by default; its rules build, with the three seed contract paths")
    func routes() throws {
        let index = try DescriptorIndex.embedded()
        #expect(RouteTable.defaultExposure("harvestry.irrigation.v1.IrrigationService"))
        #expect(!RouteTable.defaultExposure("harvestry.testing.v1.TranscodingTestService"))
        let production = try RouteTable(index: index)
        let all = production.routes.filter { $0.method.service == "harvestry.irrigation.v1.IrrigationService" }
        let labels = Set(all.map(\.label))
        for seed in ["POST /irrigation/programs", "POST /irrigation/runs", "POST /irrigation/runs/{run_id}/abort"] {
            #expect(labels.contains(seed), "\(labels.sorted())")
        }
        #expect(labels.contains("GET /v1/{name=sites/*/irrigationRuns/*}:stream"))
        #expect(all.count == 48)
    }

    /// The seed contract's request as the gateway transcodes it: path bindings and the JSON body with the seed's names.
    static func transcode<M: SwiftProtobuf.Message>(
        _ method: String,
        _ path: String,
        _ body: String,
        as: M.Type
    ) throws -> M {
        let index = try DescriptorIndex.embedded()
        let table = try RouteTable(index: index) { $0 == "harvestry.irrigation.v1.IrrigationService" }
        guard case .matched(let route, let bindings) = table.lookup(method: method, path: path[...]) else {
            Issue.record("no route for \(method) \(path)")
            return M()
        }
        let bytes = try RequestTranscoder(index: index).requestBytes(
            route: route,
            bindings: bindings,
            query: "",
            body: Array(body.utf8)
        )
        return try M(serializedBytes: bytes)
    }

    @Test("the seed contracts' JSON bodies transcode into the requests with their field names")
    func seedBodies() throws {
        let group = "6c0e8f7a-1b2d-4e3f-8a9b-0c1d2e3f4a5b"
        let zone = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        let create = try Self.transcode(
            "POST",
            "/irrigation/programs",
            #"{"name":"Morning","groupId":"\#(group)","steps":[{"zoneId":"\#(zone)","duration":120},{"zoneId":"\#(zone)","volume":2.5}]}"#,
            as: Harvestry_Irrigation_V1_CreateProgramRequest.self
        )
        #expect(create.parent.isEmpty)
        #expect(create.program.name == "Morning" && create.program.groupID == group)
        #expect(create.program.steps.map(\.zoneID) == [zone, zone])
        #expect(create.program.steps.map(\.hasDuration) == [true, false])
        #expect(create.program.steps[0].duration == 120 && create.program.steps[1].volume == 2.5)

        let start = try Self.transcode(
            "POST",
            "/irrigation/runs",
            #"{"programId":"\#(group)","manualApproval":true}"#,
            as: Harvestry_Irrigation_V1_StartRunRequest.self
        )
        #expect(start.programID == group && start.manualApproval)

        let abort = try Self.transcode(
            "POST",
            "/irrigation/runs/\(group)/abort",
            #"{"reason":"leak in row 3"}"#,
            as: Harvestry_Irrigation_V1_AbortRunRequest.self
        )
        #expect(abort.runID == group && abort.reason == "leak in row 3" && abort.name.isEmpty)
    }
}
