import Foundation

/// A day of the week, ISO numbering (Monday 1 ... Sunday 7).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A wall-clock time of day.
public struct TimeOfDay: Sendable, Hashable {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24 h), naming `field` when it is not one.
    public static func parse(_ text: String, field: String) throws -> TimeOfDay {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]),
            let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { throw DomainError.invalid(field, "must be a 24-hour time HH:MM (got '\(text.prefix(20))')") }
        return TimeOfDay(hour: hour, minute: minute)
    }

    var secondsOfDay: Int { self.hour * 3_600 + self.minute * 60 }
}

/// What starts a program.
public enum ScheduleTrigger: Sendable, Hashable {
    /// At a wall-clock time on some days of the week, in the site's time zone.
    case timeOfDay(TimeOfDay, days: Set<Weekday>)
    /// When a batch in the group's zones enters this phase (e.g. `flower`).
    case batchPhaseChange(toPhase: String)
}

/// When a program runs.
public struct IrrigationSchedule: Sendable, Hashable {
    public var id: UUID
    public var programID: UUID
    public var trigger: ScheduleTrigger
    /// The site's IANA time zone, e.g. `America/Denver`.
    public var timeZoneIdentifier: String
    public var enabled: Bool

    public init(
        id: UUID = UUID(),
        programID: UUID,
        trigger: ScheduleTrigger,
        timeZoneIdentifier: String,
        enabled: Bool = true
    ) {
        self.id = id
        self.programID = programID
        self.trigger = trigger
        self.timeZoneIdentifier = timeZoneIdentifier
        self.enabled = enabled
    }

    /// A known IANA zone; a time trigger with at least one day and a valid time; a batch phase (`BatchPhase`).
    public func validate() throws {
        _ = try self.timeZone()
        switch self.trigger {
        case .timeOfDay(let time, let days):
            guard (0...23).contains(time.hour), (0...59).contains(time.minute) else {
                throw DomainError.invalid("schedule.time_of_day", "must be a time 00:00 to 23:59")
            }
            guard !days.isEmpty else { throw DomainError.invalid("schedule.days", "must name at least one day") }
        case .batchPhaseChange(let phase):
            try Validate.code(phase, field: "schedule.phase")
            // Only a phase a batch can enter ever fires (`BatchPhase`); anything else would wait forever unseen.
            _ = try BatchPhase.parse(phase, field: "schedule.phase")
        }
    }

    /// The site's zone; an unknown identifier is an error naming `schedule.time_zone`.
    public func timeZone() throws -> TimeZone {
        guard self.timeZoneIdentifier.contains("/") || self.timeZoneIdentifier == "UTC",
            let zone = TimeZone(identifier: self.timeZoneIdentifier)
        else {
            throw DomainError.invalid(
                "schedule.time_zone",
                "must be an IANA time zone such as Europe/Berlin (got '\(self.timeZoneIdentifier.prefix(60))')"
            )
        }
        return zone
    }

    /// Whether a batch phase change starts this schedule's program.
    public func fires(onPhaseChangeTo phase: String) -> Bool {
        guard self.enabled, case .batchPhaseChange(let wanted) = self.trigger else { return false }
        return wanted.caseInsensitiveCompare(phase) == .orderedSame
    }

    /// The first instant strictly after `instant` at which this schedule fires; nil for phase triggers and disabled
    /// schedules. Wall times follow RFC 5545 (iCalendar) in the site's zone: a time skipped by a spring-forward
    /// transition fires once, shifted later by the gap (02:30 becomes 03:30); a time repeated by a fall-back
    /// transition fires once, at its first occurrence.
    public func nextFire(after instant: Date) throws -> Date? {
        guard self.enabled, case .timeOfDay(let time, let days) = self.trigger else { return nil }
        let zone = try self.timeZone()
        let calendar = WallClock(zone: zone)
        // The local day of `instant`, one day back for offsets; at most 8 more days reach every weekday.
        let firstDay = calendar.localDay(of: instant) - 1
        for day in firstDay...(firstDay + 9) where days.contains(WallClock.weekday(ofLocalDay: day)) {
            let fire = calendar.instant(localDay: day, secondsOfDay: time.secondsOfDay)
            if fire > instant { return fire }
        }
        return nil
    }
}
