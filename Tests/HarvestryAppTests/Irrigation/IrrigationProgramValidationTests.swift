import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

@Suite("IrrigationService program validation")
struct IrrigationProgramValidationTests {
    typealias F = IrrigationFixtures

    /// One broken field and the proto path that must be named.
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let expected: [String]
        let change: @Sendable (inout Harvestry_Irrigation_V1_CreateProgramRequest) -> Void
    }

    static let cases: [Case] = [
        Case(testDescription: "no display name", expected: ["program.display_name"]) { $0.program.displayName = "" },
        Case(testDescription: "blank display name", expected: ["program.display_name"]) {
            $0.program.displayName = "  "
        },
        Case(testDescription: "no parent and no group_id", expected: ["parent"]) { $0.parent = "" },
        Case(testDescription: "malformed parent", expected: ["parent"]) { $0.parent = "sites/x" },
        Case(testDescription: "no group", expected: ["program.group"]) { $0.program.group = "" },
        Case(testDescription: "malformed group", expected: ["program.group"]) { $0.program.group = "groups/1" },
        Case(testDescription: "malformed group_id", expected: ["program.group_id"]) { $0.program.groupID = "nope" },
        Case(testDescription: "group_id naming another group", expected: ["program.group_id"]) {
            $0.program.groupID = F.program
        },
        Case(testDescription: "group of another site", expected: ["program.group"]) {
            $0.program.group = "sites/\(F.otherSite)/irrigationGroups/\(F.group)"
        },
        Case(testDescription: "no steps", expected: ["program.steps"]) { $0.program.steps = [] },
        Case(testDescription: "101 steps", expected: ["program.steps"]) {
            $0.program.steps = Array(repeating: F.step(zone: 0, volume: 1), count: 101)
        },
        Case(testDescription: "a step with duration and volume", expected: ["program.steps[1].volume"]) {
            $0.program.steps[1].duration = 60
        },
        Case(testDescription: "a step with neither", expected: ["program.steps[1].duration"]) {
            $0.program.steps[1].clearVolume()
        },
        Case(testDescription: "a zero duration", expected: ["program.steps[0].duration"]) {
            $0.program.steps[0].duration = 0
        },
        Case(testDescription: "a duration over 24 h", expected: ["program.steps[0].duration"]) {
            $0.program.steps[0].duration = 86_401
        },
        Case(testDescription: "a NaN duration", expected: ["program.steps[0].duration"]) {
            $0.program.steps[0].duration = .nan
        },
        Case(testDescription: "a negative volume", expected: ["program.steps[1].volume"]) {
            $0.program.steps[1].volume = -1
        },
        Case(testDescription: "a volume over 100000 L", expected: ["program.steps[1].volume"]) {
            $0.program.steps[1].volume = 100_001
        },
        Case(testDescription: "a step without a zone", expected: ["program.steps[0].zone"]) {
            $0.program.steps[0].zone = ""
        },
        Case(testDescription: "a malformed zone_id", expected: ["program.steps[0].zone_id"]) {
            $0.program.steps[0].zone = ""
            $0.program.steps[0].zoneID = "zone-1"
        },
        Case(testDescription: "zone and zone_id disagreeing", expected: ["program.steps[0].zone_id"]) {
            $0.program.steps[0].zoneID = F.zones[2]
        },
        Case(testDescription: "a zone of another site", expected: ["program.steps[1].zone"]) {
            $0.program.steps[1].zone = F.zone(1, site: F.otherSite)
        },
        Case(testDescription: "max runtime shorter than the timed steps", expected: ["program.max_runtime"]) {
            $0.program.maxRuntime = .with { $0.seconds = 299 }
        },
        Case(testDescription: "zero max runtime", expected: ["program.max_runtime"]) {
            $0.program.maxRuntime = .with { $0.seconds = 0 }
        },
        Case(testDescription: "max runtime over 24 h", expected: ["program.max_runtime"]) {
            $0.program.maxRuntime = .with { $0.seconds = 86_401 }
        },
        Case(testDescription: "a request_id over 128 characters", expected: ["request_id"]) {
            $0.requestID = String(repeating: "r", count: 129)
        },
        Case(
            testDescription: "every broken field at once",
            expected: ["program.display_name", "program.steps[0].duration", "program.steps[1].zone_id"]
        ) {
            $0.program.displayName = ""
            $0.program.steps[0].duration = -5
            $0.program.steps[1].zone = ""
            $0.program.steps[1].zoneID = "x"
        },
    ]

    @Test("each broken field is named by its proto path", arguments: Self.cases)
    func brokenField(_ testCase: Case) {
        var request = F.createProgram
        testCase.change(&request)
        var result: IrrigationValidation.CreateProgram?
        let fields = F.fields { result = IrrigationValidation.createProgram(request, violations: &$0) }
        #expect(fields == testCase.expected)
        #expect(result == nil)
    }

    @Test("a valid program gives Domain steps and the default max runtime")
    func valid() throws {
        var violations = FieldViolations()
        let result = try #require(IrrigationValidation.createProgram(F.createProgram, violations: &violations))
        #expect(violations.isEmpty)
        #expect(result.site == UUID(uuidString: F.site))
        #expect(result.group == IrrigationReference(id: UUID(uuidString: F.group)!, site: UUID(uuidString: F.site)))
        #expect(result.program.displayName == "Flower 1 morning")
        #expect(result.program.steps.map(\.amount) == [.duration(300), .volumeLiters(20)])
        #expect(result.program.steps.map(\.zoneID) == [UUID(uuidString: F.zones[0])!, UUID(uuidString: F.zones[1])!])
        // 300 s timed, plus 10 minutes for each of the two steps.
        #expect(result.program.maxRuntime == 1_500)
    }

    @Test("the seed contract's JSON body maps onto the request: name, groupId, steps[{zoneId, duration, volume}]")
    func seedBody() throws {
        let json = """
            {"name": "Morning", "groupId": "\(F.group)",
             "steps": [{"zoneId": "\(F.zones[0])", "duration": 120}, {"zoneId": "\(F.zones[1])", "volume": 15.5}]}
            """
        let request = Harvestry_Irrigation_V1_CreateProgramRequest.with {
            $0.program = try! Harvestry_Irrigation_V1_Program(jsonString: json)
        }
        var violations = FieldViolations()
        let result = try #require(IrrigationValidation.createProgram(request, violations: &violations))
        #expect(result.site == nil)
        #expect(result.group == IrrigationReference(id: UUID(uuidString: F.group)!, site: nil))
        #expect(result.program.displayName == "Morning")
        #expect(result.program.steps.map(\.amount) == [.duration(120), .volumeLiters(15.5)])
        // The seed response `{id}` is the program's `id` field.
        let response = try Harvestry_Irrigation_V1_Program.with { $0.id = F.program }.jsonString()
        #expect(response == #"{"id":"\#(F.program)"}"#)
    }

    @Test("updates check the mask and only the masked fields")
    func update() {
        let name = "sites/\(F.site)/irrigationPrograms/\(F.program)"
        func fields(_ paths: [String], _ change: (inout Harvestry_Irrigation_V1_Program) -> Void) -> [String] {
            let request = Harvestry_Irrigation_V1_UpdateProgramRequest.with {
                $0.program.name = name
                change(&$0.program)
                $0.updateMask.paths = paths
            }
            return F.fields { _ = IrrigationValidation.updateProgram(request, violations: &$0) }
        }
        #expect(fields([]) { _ in } == ["update_mask"])
        #expect(fields(["group"]) { _ in } == ["update_mask"])
        #expect(fields(["display_name"]) { $0.name = "programs/1" } == ["program.name", "program.display_name"])
        #expect(fields(["display_name"]) { $0.displayName = "Evening" } == [])
        #expect(fields(["steps"]) { $0.steps = [F.step(zone: 0, duration: 0)] } == ["program.steps[0].duration"])
        #expect(fields(["steps"]) { $0.steps = [] } == ["program.steps"])
        #expect(fields(["max_runtime"]) { $0.maxRuntime = .with { $0.seconds = 0 } } == ["program.max_runtime"])
        #expect(fields(["max_runtime"]) { $0.maxRuntime = .with { $0.seconds = 60 } } == [])
        #expect(
            fields(["steps", "max_runtime"]) {
                $0.steps = [F.step(zone: 0, duration: 600)]
                $0.maxRuntime = .with { $0.seconds = 300 }
            } == ["program.max_runtime"]
        )
    }
}
