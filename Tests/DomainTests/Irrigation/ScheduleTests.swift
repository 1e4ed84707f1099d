import Domain
import Foundation
import Testing

@Suite("Schedules: next fire in the site's time zone")
struct ScheduleTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func daily(
        _ hour: Int,
        _ minute: Int,
        zone: String,
        days: Set<Weekday> = Set(Weekday.allCases)
    ) -> IrrigationSchedule {
        IrrigationSchedule(
            programID: Fixture.id(400),
            trigger: .timeOfDay(TimeOfDay(hour: hour, minute: minute), days: days),
            timeZoneIdentifier: zone
        )
    }

    @Test("a plain day: 06:00 New York (EDT) is 10:00 UTC, the next day when today's has passed")
    func plainDay() throws {
        let schedule = daily(6, 0, zone: "America/New_York")
        #expect(try schedule.nextFire(after: utc("2026-07-01T09:59:59Z")) == utc("2026-07-01T10:00:00Z"))
        #expect(try schedule.nextFire(after: utc("2026-07-01T10:00:00Z")) == utc("2026-07-02T10:00:00Z"))
    }

    @Test("spring forward: 02:30 does not exist on 2026-03-08 in New York; it fires once, at 03:30 EDT")
    func springForward() throws {
        let schedule = daily(2, 30, zone: "America/New_York")
        let first = try #require(try schedule.nextFire(after: utc("2026-03-07T12:00:00Z")))
        #expect(first == utc("2026-03-08T07:30:00Z"))
        #expect(try schedule.nextFire(after: first) == utc("2026-03-09T06:30:00Z"))
    }

    @Test("fall back: 01:30 happens twice on 2026-11-01 in New York; it fires once, at the first (EDT)")
    func fallBack() throws {
        let schedule = daily(1, 30, zone: "America/New_York")
        let first = try #require(try schedule.nextFire(after: utc("2026-10-31T12:00:00Z")))
        #expect(first == utc("2026-11-01T05:30:00Z"))
        #expect(try schedule.nextFire(after: first) == utc("2026-11-02T06:30:00Z"))
    }

    @Test("a 30-minute DST gap (Lord Howe Island): 02:15 on the change day shifts by the gap to 02:45")
    func halfHourGap() throws {
        let schedule = daily(2, 15, zone: "Australia/Lord_Howe")
        #expect(try schedule.nextFire(after: utc("2026-10-03T00:00:00Z")) == utc("2026-10-03T15:45:00Z"))
    }

    @Test(
        "a daily schedule fires exactly once per local day over a whole year",
        arguments: ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"]
    )
    func oncePerDay(zone: String) throws {
        for (hour, minute) in [(2, 30), (1, 30), (0, 0), (23, 59)] {
            let schedule = daily(hour, minute, zone: zone)
            var cursor = utc("2026-01-01T00:00:00Z")
            var localDays = Set<String>()
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: zone)
            formatter.dateFormat = "yyyy-MM-dd"
            for _ in 0..<365 {
                let next = try #require(try schedule.nextFire(after: cursor))
                #expect(next > cursor)
                #expect(
                    next.timeIntervalSince(cursor) <= 25 * 3_600 + 60,
                    "\(zone) \(hour):\(minute) skipped a day after \(cursor)"
                )
                localDays.insert(formatter.string(from: next))
                cursor = next
            }
            #expect(localDays.count == 365, "\(zone) \(hour):\(minute) fired twice on a local day")
        }
    }

    @Test("days of week are the site's days: Monday and Thursday 23:30 in Berlin")
    func weekdays() throws {
        let schedule = daily(23, 30, zone: "Europe/Berlin", days: [.monday, .thursday])
        // 2026-06-01 is a Monday; 23:30 CEST is 21:30 UTC.
        let first = try #require(try schedule.nextFire(after: utc("2026-05-29T00:00:00Z")))
        #expect(first == utc("2026-06-01T21:30:00Z"))
        #expect(try schedule.nextFire(after: first) == utc("2026-06-04T21:30:00Z"))
        #expect(try schedule.nextFire(after: utc("2026-06-04T21:30:00Z")) == utc("2026-06-08T21:30:00Z"))
    }

    @Test("phase-change schedules never fire by the clock, and match the phase case-insensitively")
    func phase() throws {
        var schedule = IrrigationSchedule(
            programID: Fixture.id(400),
            trigger: .batchPhaseChange(toPhase: "flower"),
            timeZoneIdentifier: "UTC"
        )
        #expect(try schedule.nextFire(after: Fixture.now) == nil)
        #expect(schedule.fires(onPhaseChangeTo: "FLOWER"))
        #expect(!schedule.fires(onPhaseChangeTo: "veg"))
        schedule.enabled = false
        #expect(!schedule.fires(onPhaseChangeTo: "flower"))
    }

    @Test("validation names the field")
    func validation() throws {
        #expect(throws: DomainError.self) { try daily(6, 0, zone: "Mars/Olympus").validate() }
        let zone = try #require(throws: DomainError.self) { try daily(6, 0, zone: "EST5EDT_nope").validate() }
        #expect(zone.violations.first?.field == "schedule.time_zone")
        let days = try #require(throws: DomainError.self) { try daily(6, 0, zone: "UTC", days: []).validate() }
        #expect(days.violations.first?.field == "schedule.days")
        #expect(throws: DomainError.invalid("schedule.time_of_day", "must be a 24-hour time HH:MM (got '24:00')")) {
            try TimeOfDay.parse("24:00", field: "schedule.time_of_day")
        }
        #expect(try TimeOfDay.parse("02:30", field: "x") == TimeOfDay(hour: 2, minute: 30))
        #expect(throws: DomainError.self) { try TimeOfDay.parse("2:30", field: "x") }
    }
}
