import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

@Suite("IrrigationService run and re-arm validation")
struct IrrigationRunValidationTests {
    typealias F = IrrigationFixtures

    @Test("StartRun: the seed body {programId, manualApproval}, or a program name, each field named when wrong")
    func startRun() throws {
        func fields(_ change: (inout Harvestry_Irrigation_V1_StartRunRequest) -> Void) -> [String] {
            var request = Harvestry_Irrigation_V1_StartRunRequest.with {
                $0.parent = F.parent
                $0.program = F.programName
            }
            change(&request)
            return F.fields { _ = IrrigationValidation.startRun(request, violations: &$0) }
        }
        #expect(fields { _ in } == [])
        #expect(fields { $0.parent = "" } == ["parent"])
        #expect(fields { $0.program = "" } == ["program"])
        #expect(fields { $0.program = "programs/1" } == ["program"])
        #expect(fields { $0.program = "sites/\(F.otherSite)/irrigationPrograms/\(F.program)" } == ["program"])
        #expect(fields { $0.programID = "p-1" } == ["program_id"])
        #expect(fields { $0.programID = F.run } == ["program_id"])
        #expect(fields { $0.requestID = String(repeating: "r", count: 129) } == ["request_id"])

        let seed = try Harvestry_Irrigation_V1_StartRunRequest(
            jsonString: #"{"programId": "\#(F.program)", "manualApproval": true}"#
        )
        var violations = FieldViolations()
        let start = try #require(IrrigationValidation.startRun(seed, violations: &violations))
        #expect(start.site == nil)
        #expect(start.program == IrrigationReference(id: UUID(uuidString: F.program)!, site: nil))
        #expect(start.manualApproval)
    }

    @Test("the seed responses: {runId, status} with the Domain's spelling, and {stoppedAt}")
    func seedResponses() throws {
        for status in RunStatus.allCases {
            let response = Harvestry_Irrigation_V1_StartRunResponse.with {
                $0.runID = F.run
                $0.status = status.rawValue
            }
            #expect(try response.jsonString() == #"{"runId":"\#(F.run)","status":"\#(status.rawValue)"}"#)
        }
        #expect(Set(["Queued", "Running", "Completed", "Aborted"]).isSubset(of: RunStatus.allCases.map(\.rawValue)))
        let abort = Harvestry_Irrigation_V1_AbortRunResponse.with {
            $0.stoppedAt = Google_Protobuf_Timestamp(seconds: 1_780_000_000)
        }
        #expect(try abort.jsonString() == #"{"stoppedAt":"2026-05-28T20:26:40Z"}"#)
    }

    @Test("ApproveRun, DenyRun and AbortRun name the run and the reason")
    func decisions() {
        func approve(_ name: String) -> [String] {
            F.fields { _ = IrrigationValidation.approveRun(.with { $0.name = name }, violations: &$0) }
        }
        #expect(approve(F.runName) == [])
        #expect(approve("") == ["name"])
        #expect(approve(F.programName) == ["name"])

        func deny(_ name: String, _ reason: String) -> [String] {
            let request = Harvestry_Irrigation_V1_DenyRunRequest.with {
                $0.name = name
                $0.reason = reason
            }
            return F.fields { _ = IrrigationValidation.denyRun(request, violations: &$0) }
        }
        #expect(deny(F.runName, "tank being cleaned") == [])
        #expect(deny(F.runName, "") == ["reason"])
        #expect(deny("runs/1", String(repeating: "x", count: 501)) == ["name", "reason"])

        func abort(_ change: (inout Harvestry_Irrigation_V1_AbortRunRequest) -> Void) -> [String] {
            var request = Harvestry_Irrigation_V1_AbortRunRequest.with {
                $0.name = F.runName
                $0.reason = "leak in row 3"
            }
            change(&request)
            return F.fields { _ = IrrigationValidation.abortRun(request, violations: &$0) }
        }
        #expect(abort { _ in } == [])
        // The seed's `POST /irrigation/runs/{id}/abort`: the path binds run_id, the body gives the reason.
        #expect(
            abort {
                $0.name = ""
                $0.runID = F.run
            } == []
        )
        #expect(abort { $0.name = "" } == ["name"])
        #expect(abort { $0.runID = "r-1" } == ["run_id"])
        #expect(abort { $0.runID = F.program } == ["run_id"])
        #expect(abort { $0.reason = "" } == ["reason"])
        #expect(abort { $0.reason = "\u{7}" } == ["reason"])
        #expect(abort { $0.requestID = String(repeating: "r", count: 129) } == ["request_id"])
    }

    @Test("ListRuns filters by known statuses and a program of the site, paginated")
    func listRuns() throws {
        func fields(_ change: (inout Harvestry_Irrigation_V1_ListRunsRequest) -> Void) -> [String] {
            var request = Harvestry_Irrigation_V1_ListRunsRequest.with { $0.parent = F.parent }
            change(&request)
            return F.fields { _ = IrrigationValidation.listRuns(request, violations: &$0) }
        }
        #expect(fields { _ in } == [])
        #expect(fields { $0.parent = "" } == ["parent"])
        #expect(fields { $0.statuses = [.queued, .unspecified] } == ["statuses[1]"])
        #expect(fields { $0.statuses = [.UNRECOGNIZED(42)] } == ["statuses[0]"])
        #expect(fields { $0.program = "sites/\(F.otherSite)/irrigationPrograms/\(F.program)" } == ["program"])
        #expect(fields { $0.pageSize = -1 } == ["page_size"])
        #expect(fields { $0.pageToken = String(repeating: "t", count: 201) } == ["page_token"])

        let request = Harvestry_Irrigation_V1_ListRunsRequest.with {
            $0.parent = F.parent
            $0.statuses = [.awaitingApproval, .aborting]
            $0.program = F.programName
            $0.pageSize = 10
        }
        var violations = FieldViolations()
        let list = try #require(IrrigationValidation.listRuns(request, violations: &violations))
        #expect(list.statuses == [.awaitingApproval, .aborting])
        #expect(list.program == UUID(uuidString: F.program))
        #expect(list.page.size == 10)
    }

    @Test("ReArm clears only latching reasons, with a note")
    func reArm() throws {
        func fields(_ change: (inout Harvestry_Irrigation_V1_ReArmRequest) -> Void) -> [String] {
            var request = Harvestry_Irrigation_V1_ReArmRequest.with {
                $0.site = F.parent
                $0.reason = .estopOpen
                $0.note = "E-STOP reset after the pump inspection"
            }
            change(&request)
            return F.fields { _ = IrrigationValidation.reArm(request, violations: &$0) }
        }
        #expect(fields { _ in } == [])
        #expect(fields { $0.site = F.zone(0) } == ["site"])
        #expect(fields { $0.reason = .unspecified } == ["reason"])
        #expect(fields { $0.reason = .UNRECOGNIZED(77) } == ["reason"])
        #expect(fields { $0.note = "" } == ["note"])
        #expect(fields { $0.note = String(repeating: "n", count: 2_001) } == ["note"])
        #expect(fields { $0.requestID = String(repeating: "r", count: 129) } == ["request_id"])
        for reason in InterlockReason.allCases {
            let named = fields { $0.reason = Harvestry_Irrigation_V1_InterlockReason(reason) }
            #expect(named == (Lockout.latches(reason) ? [] : ["reason"]), "\(reason)")
        }
    }
}
