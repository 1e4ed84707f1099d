import Foundation

/// Wall-clock arithmetic in one time zone using only UTC offsets (no Calendar rules to guess at): a local day is
/// counted from 1970-01-01 local, a wall time maps to the instant(s) whose offset puts it there.
struct WallClock {
    var zone: TimeZone

    /// The local calendar day number (days since 1970-01-01 local) of `instant`.
    func localDay(of instant: Date) -> Int {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + self.zone.secondsFromGMT(for: instant)
        return Int((Double(seconds) / 86_400).rounded(.down))
    }

    /// 1970-01-01 was a Thursday.
    static func weekday(ofLocalDay day: Int) -> Weekday {
        let mondayBased = ((day + 3) % 7 + 7) % 7  // 0 = Monday
        return Weekday(rawValue: mondayBased + 1)!
    }

    /// The instant of wall time `secondsOfDay` on local day `day`: its first occurrence when a fall-back repeats it,
    /// and, when a spring-forward skips it, the wall time read with the offset in force before the gap (so later by
    /// the gap's length).
    func instant(localDay day: Int, secondsOfDay: Int) -> Date {
        let wall = day * 86_400 + secondsOfDay
        // Transitions are at least days apart, so the offsets a day either side are the only two in play.
        let before = self.zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 86_400)))
        let after = self.zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 86_400)))
        let candidates = [wall - before, wall - after].filter { candidate in
            candidate + self.zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == wall
        }
        let chosen = candidates.min() ?? (wall - before)
        return Date(timeIntervalSince1970: Double(chosen))
    }
}
