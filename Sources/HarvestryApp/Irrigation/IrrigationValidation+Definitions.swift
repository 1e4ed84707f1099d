import API
import Domain
import Foundation
import SwiftProtobuf

/// Create and update requests of groups, programs and schedules. Each returns nil after recording every violation;
/// the service calls `violations.check()`.
extension IrrigationValidation {
    struct CreateGroup: Sendable {
        var site: UUID
        var group: Group
        var audit: AuditContext
    }

    struct CreateProgram: Sendable {
        /// Nil when only the seed's `groupId` is given: the group's site is the service's lookup.
        var site: UUID?
        var group: IrrigationReference
        var program: Program
        var audit: AuditContext
    }

    struct CreateSchedule: Sendable {
        var site: UUID
        var schedule: IrrigationSchedule
        var audit: AuditContext
    }

    /// An update: the resource, the mask's paths, and the masked fields' checked values.
    struct Update<Fields: Sendable>: Sendable {
        var name: ResourceName
        var paths: Set<String>
        var fields: Fields
        var audit: AuditContext
    }

    static let groupPaths: Set<String> = ["display_name", "zones", "mix_tank"]
    static let programPaths: Set<String> = ["display_name", "steps", "max_runtime"]
    static let schedulePaths: Set<String> = ["time_of_day", "days", "phase", "time_zone", "enabled"]

    static func createGroup(
        _ request: Harvestry_Irrigation_V1_CreateIrrigationGroupRequest,
        violations: inout FieldViolations
    ) -> CreateGroup? {
        let site = violations.name("parent", request.parent, .site)?["site"]
        let group = Self.group(request.irrigationGroup, site: site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let site, let group, violations.isEmpty else { return nil }
        return CreateGroup(site: site, group: group, audit: audit)
    }

    /// The seed's `POST /irrigation/programs` gives no parent: `program.group_id` then names the group.
    static func createProgram(
        _ request: Harvestry_Irrigation_V1_CreateProgramRequest,
        violations: inout FieldViolations
    ) -> CreateProgram? {
        let program = request.program
        let parent = violations.name("parent", request.parent, .site, required: program.groupID.isEmpty)
        let group = violations.reference(
            name: ("program.group", program.group),
            id: ("program.group_id", program.groupID),
            .irrigationGroup,
            variable: "irrigation_group"
        )
        let site = parent?["site"] ?? group?.site
        if let parentSite = parent?["site"], let groupSite = group?.site, parentSite != groupSite {
            violations.add("program.group", reason: "SITE_MISMATCH", "must be in \(request.parent)")
        }
        let checked = Self.program(program, site: site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let group, let checked, violations.isEmpty else { return nil }
        return CreateProgram(site: site, group: group, program: checked, audit: audit)
    }

    static func createSchedule(
        _ request: Harvestry_Irrigation_V1_CreateScheduleRequest,
        violations: inout FieldViolations
    ) -> CreateSchedule? {
        let site = violations.name("parent", request.parent, .site)?["site"]
        let schedule = Self.schedule(request.schedule, site: site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let site, let schedule, violations.isEmpty else { return nil }
        return CreateSchedule(site: site, schedule: schedule, audit: audit)
    }

    /// The masked group fields: display name, zones and/or mix tank (nil when not masked; the tank `.some(nil)` to
    /// clear it).
    static func updateGroup(
        _ request: Harvestry_Irrigation_V1_UpdateIrrigationGroupRequest,
        violations: inout FieldViolations
    ) -> Update<(displayName: String?, zones: [UUID]?, mixTank: UUID??)>? {
        let group = request.irrigationGroup
        let name = violations.name("irrigation_group.name", group.name, .irrigationGroup)
        let paths = violations.updateMask(request.updateMask, allowed: Self.groupPaths)
        let displayName =
            paths.contains("display_name")
            ? violations.text("irrigation_group.display_name", group.displayName) : nil
        let zones =
            paths.contains("zones") ? Self.groupZones(group.zones, site: name?.site, violations: &violations) : nil
        let tank =
            paths.contains("mix_tank") ? Self.groupMixTank(group.mixTank, site: name?.site, violations: &violations) : nil
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: (displayName, zones, tank), audit: audit)
    }

    /// The masked program fields. Steps and max runtime are checked together when both are masked; one alone is
    /// checked on its own here, and against the stored other by the service.
    static func updateProgram(
        _ request: Harvestry_Irrigation_V1_UpdateProgramRequest,
        violations: inout FieldViolations
    ) -> Update<(displayName: String?, steps: [ProgramStep]?, maxRuntime: TimeInterval?)>? {
        let program = request.program
        let name = violations.name("program.name", program.name, .program)
        let paths = violations.updateMask(request.updateMask, allowed: Self.programPaths)
        let displayName =
            paths.contains("display_name")
            ? violations.text("program.display_name", program.displayName) : nil
        let before = violations.violations.count
        let steps = paths.contains("steps") ? Self.steps(program.steps, site: name?.site, violations: &violations) : nil
        let maxRuntime = paths.contains("max_runtime") ? Self.seconds(program.maxRuntime) : nil
        if violations.violations.count == before, steps != nil || maxRuntime != nil {
            // A lone max runtime is checked beside one volume step, which puts no lower bound on it.
            let checkedSteps = steps ?? [ProgramStep(zoneID: UUID(), amount: .volumeLiters(1))]
            Self.programRules(
                steps: checkedSteps,
                maxRuntime: maxRuntime ?? Self.defaultMaxRuntime(checkedSteps),
                violations: &violations
            )
        }
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: (displayName, steps, maxRuntime), audit: audit)
    }

    /// The masked schedule fields. A trigger path (time_of_day, days, phase) replaces the whole trigger, so the
    /// message must carry it in full, with its time zone; `enabled` alone needs nothing else.
    static func updateSchedule(
        _ request: Harvestry_Irrigation_V1_UpdateScheduleRequest,
        violations: inout FieldViolations
    ) -> Update<IrrigationSchedule?>? {
        let schedule = request.schedule
        let name = violations.name("schedule.name", schedule.name, .schedule)
        let paths = violations.updateMask(request.updateMask, allowed: Self.schedulePaths)
        var checked: IrrigationSchedule?
        if !paths.isDisjoint(with: ["time_of_day", "days", "phase", "time_zone"]) {
            checked = Self.schedule(schedule, site: name?.site, requireProgram: false, violations: &violations)
        }
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: checked, audit: audit)
    }
}
