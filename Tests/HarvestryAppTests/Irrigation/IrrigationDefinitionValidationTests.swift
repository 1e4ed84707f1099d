import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

@Suite("IrrigationService group and schedule validation")
struct IrrigationDefinitionValidationTests {
    typealias F = IrrigationFixtures

    struct GroupCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let expected: [String]
        let change: @Sendable (inout Harvestry_Irrigation_V1_CreateIrrigationGroupRequest) -> Void
    }

    static let groupCases: [GroupCase] = [
        GroupCase(testDescription: "no parent", expected: ["parent"]) { $0.parent = "" },
        GroupCase(testDescription: "no display name", expected: ["irrigation_group.display_name"]) {
            $0.irrigationGroup.displayName = ""
        },
        GroupCase(testDescription: "a display name over 200 characters", expected: ["irrigation_group.display_name"]) {
            $0.irrigationGroup.displayName = String(repeating: "d", count: 201)
        },
        GroupCase(testDescription: "no zones", expected: ["irrigation_group.zones"]) { $0.irrigationGroup.zones = [] },
        GroupCase(testDescription: "a malformed zone", expected: ["irrigation_group.zones[1]"]) {
            $0.irrigationGroup.zones[1] = "zones/1"
        },
        GroupCase(testDescription: "a zone listed twice", expected: ["irrigation_group.zones[2]"]) {
            $0.irrigationGroup.zones.append(F.zone(0))
        },
        GroupCase(testDescription: "a zone of another site", expected: ["irrigation_group.zones[0]"]) {
            $0.irrigationGroup.zones[0] = F.zone(0, site: F.otherSite)
        },
    ]

    @Test("each broken group field is named by its proto path", arguments: Self.groupCases)
    func brokenGroupField(_ testCase: GroupCase) {
        var request = F.createGroup
        testCase.change(&request)
        #expect(F.fields { _ = IrrigationValidation.createGroup(request, violations: &$0) } == testCase.expected)
    }

    @Test("a valid group gives its zones' ids")
    func validGroup() throws {
        var violations = FieldViolations()
        let result = try #require(IrrigationValidation.createGroup(F.createGroup, violations: &violations))
        #expect(result.site == UUID(uuidString: F.site))
        #expect(result.group.zoneIDs == [UUID(uuidString: F.zones[0])!, UUID(uuidString: F.zones[1])!])
    }

    struct ScheduleCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let expected: [String]
        let change: @Sendable (inout Harvestry_Irrigation_V1_CreateScheduleRequest) -> Void
    }

    static let scheduleCases: [ScheduleCase] = [
        ScheduleCase(testDescription: "no parent", expected: ["parent"]) { $0.parent = "" },
        ScheduleCase(testDescription: "no program", expected: ["schedule.program"]) { $0.schedule.program = "" },
        ScheduleCase(testDescription: "a program of another site", expected: ["schedule.program"]) {
            $0.schedule.program = "sites/\(F.otherSite)/irrigationPrograms/\(F.program)"
        },
        ScheduleCase(testDescription: "no trigger", expected: ["schedule.time_of_day"]) {
            $0.schedule.timeOfDay = ""
        },
        ScheduleCase(testDescription: "both triggers", expected: ["schedule.phase"]) { $0.schedule.phase = "flower" },
        ScheduleCase(testDescription: "a time that is not HH:MM", expected: ["schedule.time_of_day"]) {
            $0.schedule.timeOfDay = "6:30"
        },
        ScheduleCase(testDescription: "hour 24", expected: ["schedule.time_of_day"]) {
            $0.schedule.timeOfDay = "24:00"
        },
        ScheduleCase(testDescription: "no days", expected: ["schedule.days"]) { $0.schedule.days = [] },
        ScheduleCase(testDescription: "an unspecified day", expected: ["schedule.days[1]"]) {
            $0.schedule.days[1] = .unspecified
        },
        ScheduleCase(testDescription: "an unknown day", expected: ["schedule.days[0]"]) {
            $0.schedule.days[0] = .UNRECOGNIZED(9)
        },
        ScheduleCase(testDescription: "days with a phase trigger", expected: ["schedule.days"]) {
            $0.schedule.timeOfDay = ""
            $0.schedule.phase = "flower"
        },
        ScheduleCase(testDescription: "a phase that is not a code", expected: ["schedule.phase"]) {
            $0.schedule.timeOfDay = ""
            $0.schedule.days = []
            $0.schedule.phase = "late flower!"
        },
        ScheduleCase(testDescription: "a phase no batch enters", expected: ["schedule.phase"]) {
            $0.schedule.timeOfDay = ""
            $0.schedule.days = []
            $0.schedule.phase = "bloom"
        },
        ScheduleCase(testDescription: "no time zone", expected: ["schedule.time_zone"]) { $0.schedule.timeZone = "" },
        ScheduleCase(testDescription: "an unknown time zone", expected: ["schedule.time_zone"]) {
            $0.schedule.timeZone = "Mars/Olympus"
        },
        ScheduleCase(testDescription: "a request_id over 128 characters", expected: ["request_id"]) {
            $0.requestID = String(repeating: "r", count: 129)
        },
    ]

    @Test("each broken schedule field is named by its proto path", arguments: Self.scheduleCases)
    func brokenScheduleField(_ testCase: ScheduleCase) {
        var request = F.createSchedule
        testCase.change(&request)
        #expect(F.fields { _ = IrrigationValidation.createSchedule(request, violations: &$0) } == testCase.expected)
    }

    @Test("a valid schedule is the Domain's, enabled unless it says otherwise")
    func validSchedule() throws {
        var violations = FieldViolations()
        let timed = try #require(IrrigationValidation.createSchedule(F.createSchedule, violations: &violations))
        #expect(timed.schedule.trigger == .timeOfDay(TimeOfDay(hour: 6, minute: 30), days: [.monday, .thursday]))
        #expect(timed.schedule.programID == UUID(uuidString: F.program))
        #expect(timed.schedule.enabled)
        var phase = F.createSchedule
        phase.schedule.timeOfDay = ""
        phase.schedule.days = []
        phase.schedule.phase = "flower"
        phase.schedule.enabled = false
        let byPhase = try #require(IrrigationValidation.createSchedule(phase, violations: &violations))
        #expect(byPhase.schedule.trigger == .batchPhaseChange(toPhase: "flower"))
        #expect(!byPhase.schedule.enabled)
    }

    @Test("group and schedule updates check the mask and the masked fields")
    func updates() {
        let groupName = F.groupName
        func group(_ paths: [String], _ change: (inout Harvestry_Irrigation_V1_IrrigationGroup) -> Void) -> [String] {
            let request = Harvestry_Irrigation_V1_UpdateIrrigationGroupRequest.with {
                $0.irrigationGroup.name = groupName
                change(&$0.irrigationGroup)
                $0.updateMask.paths = paths
            }
            return F.fields { _ = IrrigationValidation.updateGroup(request, violations: &$0) }
        }
        #expect(group([]) { _ in } == ["update_mask"])
        #expect(group(["valves"]) { _ in } == ["update_mask"])
        #expect(group(["zones"]) { $0.name = "" } == ["irrigation_group.name", "irrigation_group.zones"])
        #expect(group(["zones"]) { $0.zones = [F.zone(0), F.zone(0)] } == ["irrigation_group.zones[1]"])
        #expect(group(["display_name"]) { $0.displayName = "Drip" } == [])

        let scheduleName = "sites/\(F.site)/irrigationSchedules/\(F.program)"
        func schedule(_ paths: [String], _ change: (inout Harvestry_Irrigation_V1_Schedule) -> Void) -> [String] {
            let request = Harvestry_Irrigation_V1_UpdateScheduleRequest.with {
                $0.schedule.name = scheduleName
                change(&$0.schedule)
                $0.updateMask.paths = paths
            }
            return F.fields { _ = IrrigationValidation.updateSchedule(request, violations: &$0) }
        }
        #expect(schedule(["enabled"]) { $0.enabled = false } == [])
        #expect(schedule(["program"]) { _ in } == ["update_mask"])
        #expect(schedule(["phase"]) { $0.phase = "veg" } == ["schedule.time_zone"])
        #expect(
            schedule(["phase", "time_zone"]) {
                $0.phase = "veg"
                $0.timeZone = "Europe/Berlin"
            } == []
        )
        #expect(schedule(["time_of_day"]) { $0.name = "x" } == ["schedule.name", "schedule.time_of_day"])
    }
}
