import API
import Domain
import Foundation
import SwiftProtobuf

/// Pure checks of IrrigationService requests: every field is checked before anything is read, violations name the
/// proto path (`program.steps[1].duration`), and the rules are the Domain types' own (`ProgramStep.parse`,
/// `IrrigationProgram.validate`, `IrrigationGroup.validate`, `IrrigationSchedule.validate`), renamed to the request's
/// fields. What needs stored data (a zone belongs to the group, the site of a bare id) is the service's.
enum IrrigationValidation {
    /// The parts of an `IrrigationGroup` a create or update gives.
    struct Group: Sendable, Hashable {
        var displayName: String
        var zoneIDs: [UUID]
        var mixTankID: UUID?
    }

    /// The parts of a `Program` a create or update gives; the group comes separately on create.
    struct Program: Sendable, Hashable {
        var displayName: String
        var steps: [ProgramStep]
        var maxRuntime: TimeInterval
    }

    /// The default `max_runtime`: the timed steps' total plus 10 minutes per step, at most 24 h.
    static func defaultMaxRuntime(_ steps: [ProgramStep]) -> TimeInterval {
        let timed = steps.reduce(0.0) { total, step in
            if case .duration(let seconds) = step.amount { total + seconds } else { total }
        }
        return min(timed + 600 * Double(steps.count), 86_400)
    }

    // MARK: - Groups

    /// `irrigation_group.display_name` and `irrigation_group.zones`: zones of `site`, each once.
    static func group(
        _ group: Harvestry_Irrigation_V1_IrrigationGroup,
        site: UUID?,
        violations: inout FieldViolations
    ) -> Group? {
        let before = violations.violations.count
        let displayName = violations.text("irrigation_group.display_name", group.displayName)
        let zones = Self.groupZones(group.zones, site: site, violations: &violations)
        let tank = Self.groupMixTank(group.mixTank, site: site, violations: &violations)
        guard violations.violations.count == before, let displayName, let zones, let tank else { return nil }
        return Group(displayName: displayName, zoneIDs: zones, mixTankID: tank)
    }

    /// `irrigation_group.zones`: zones of `site`, at least one, each once.
    static func groupZones(_ names: [String], site: UUID?, violations: inout FieldViolations) -> [UUID]? {
        let before = violations.violations.count
        let zones = names.enumerated().compactMap { index, zone in
            violations.name("irrigation_group.zones[\(index)]", zone, .zone, inSite: site)?["zone"]
        }
        guard violations.violations.count == before else { return nil }
        // The Domain's rules; the valves come from the spatial mappings later, so each zone stands in for its
        // valve, and the name is one the Domain accepts (the display name is checked on its own).
        let candidate = IrrigationGroup(
            siteID: site ?? UUID(),
            name: "zones",
            valves: zones.map { ZoneValve(zoneID: $0, deviceID: $0, loadClass: .standard) }
        )
        violations.domain(Self.groupField) { try candidate.validate() }
        return violations.violations.count == before ? zones : nil
    }

    /// Domain `group.*` fields as `irrigation_group.*` proto paths.
    static func groupField(_ field: String) -> String {
        if field == "group.name" { return "irrigation_group.display_name" }
        if field == "group.valves" { return "irrigation_group.zones" }
        if field.hasPrefix("group.valves["), let end = field.firstIndex(of: "]") {
            return "irrigation_group.zones" + field[field.index(field.startIndex, offsetBy: 12)...end]
        }
        return "irrigation_group." + field.replacingOccurrences(of: "group.", with: "")
    }

    // MARK: - Programs

    /// `program.steps[i]`: a zone (`zone` or the seed's `zone_id`) and exactly one of duration and volume.
    static func steps(
        _ steps: [Harvestry_Irrigation_V1_ProgramStep],
        site: UUID?,
        violations: inout FieldViolations
    ) -> [ProgramStep] {
        steps.enumerated().compactMap { index, step in
            let prefix = "program.steps[\(index)]"
            let zone = violations.reference(
                name: ("\(prefix).zone", step.zone),
                id: ("\(prefix).zone_id", step.zoneID),
                .zone,
                variable: "zone"
            )
            if let site, let zoneSite = zone?.site, zoneSite != site {
                violations.add(
                    "\(prefix).zone",
                    reason: "SITE_MISMATCH",
                    "must be in \(ResourcePattern.site.format(site))"
                )
            }
            var parsed: ProgramStep?
            violations.domain(Self.programField) {
                parsed = try ProgramStep.parse(
                    zoneID: zone?.id ?? UUID(),
                    duration: step.hasDuration ? step.duration : nil,
                    volume: step.hasVolume ? step.volume : nil,
                    index: index
                )
            }
            return zone == nil ? nil : parsed
        }
    }

    /// A whole program as a create gives it: display name, 1-100 valid steps, a max runtime that fits them.
    static func program(
        _ program: Harvestry_Irrigation_V1_Program,
        site: UUID?,
        violations: inout FieldViolations
    ) -> Program? {
        let before = violations.violations.count
        let displayName = violations.text(
            "program.display_name",
            SpatialService.displayName(program.displayName, orName: program.name, field: "program.display_name")
        )
        let stepsBefore = violations.violations.count
        let steps = Self.steps(program.steps, site: site, violations: &violations)
        let maxRuntime = program.hasMaxRuntime ? Self.seconds(program.maxRuntime) : Self.defaultMaxRuntime(steps)
        if violations.violations.count == stepsBefore {
            Self.programRules(steps: steps, maxRuntime: maxRuntime, violations: &violations)
        }
        guard violations.violations.count == before, let displayName else { return nil }
        return Program(displayName: displayName, steps: steps, maxRuntime: maxRuntime)
    }

    /// The Domain's whole-program rules: 1-100 steps, a max runtime of 1 s ... 24 h not shorter than the timed
    /// steps. Zone membership needs the stored group, so the steps' own zones stand in for it (the service checks
    /// the real one), and the name is one the Domain accepts (the display name is checked on its own).
    static func programRules(steps: [ProgramStep], maxRuntime: TimeInterval, violations: inout FieldViolations) {
        let group = IrrigationGroup(
            siteID: UUID(),
            name: "steps",
            valves: Set(steps.map(\.zoneID)).map { ZoneValve(zoneID: $0, deviceID: $0, loadClass: .standard) }
        )
        let candidate = IrrigationProgram(groupID: group.id, name: "program", steps: steps, maxRuntime: maxRuntime)
        violations.domain(Self.programField) { try candidate.validate(in: group) }
    }

    /// Domain program fields (`name`, `steps[2].volume`, `max_runtime`) as `program.*` proto paths.
    static func programField(_ field: String) -> String {
        field == "name" ? "program.display_name" : "program." + field
    }

    static func seconds(_ duration: Google_Protobuf_Duration) -> TimeInterval {
        TimeInterval(duration.seconds) + TimeInterval(duration.nanos) / 1e9
    }

    // MARK: - Schedules

    /// `schedule.*`: a program of the site, and exactly one trigger (time_of_day with days, or phase) in a valid
    /// time zone.
    static func schedule(
        _ schedule: Harvestry_Irrigation_V1_Schedule,
        site: UUID?,
        requireProgram: Bool = true,
        violations: inout FieldViolations
    ) -> IrrigationSchedule? {
        let before = violations.violations.count
        let program = violations.name(
            "schedule.program",
            schedule.program,
            .program,
            inSite: site,
            required: requireProgram
        )
        var trigger: ScheduleTrigger?
        switch (schedule.timeOfDay.isEmpty, schedule.phase.isEmpty) {
        case (true, true):
            violations.add("schedule.time_of_day", reason: "FIELD_REQUIRED", "give time_of_day (with days) or phase")
        case (false, false):
            violations.add("schedule.phase", reason: "CONFLICTING_TRIGGER", "give time_of_day or phase, not both")
        case (false, true):
            let days = violations.enumerations("schedule.days", schedule.days).compactMap {
                Weekday(rawValue: $0.rawValue)
            }
            violations.domain({ $0 }) {
                trigger = .timeOfDay(
                    try TimeOfDay.parse(schedule.timeOfDay, field: "schedule.time_of_day"),
                    days: Set(days)
                )
            }
        case (true, false):
            if !schedule.days.isEmpty {
                violations.add("schedule.days", reason: "CONFLICTING_TRIGGER", "apply only with time_of_day")
            }
            trigger = .batchPhaseChange(toPhase: schedule.phase)
        }
        guard violations.violations.count == before, let trigger else { return nil }
        let candidate = IrrigationSchedule(
            id: UUID(),
            programID: program?["program"] ?? UUID(),
            trigger: trigger,
            timeZoneIdentifier: schedule.timeZone,
            enabled: schedule.hasEnabled ? schedule.enabled : true
        )
        // Domain fields are already `schedule.time_zone`, `schedule.days`, `schedule.phase`.
        violations.domain({ $0 }) { try candidate.validate() }
        return violations.violations.count == before ? candidate : nil
    }
}
