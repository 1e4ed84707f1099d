import Domain
import Foundation

/// Shared values for the irrigation tests: a fixed clock and a snapshot where everything is safe and fresh.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let policy = InterlockPolicy(
        staleAfter: 60,
        tankMinimumPercent: 15,
        ecBounds: 0.5...3.5,
        phBounds: 5.2...6.8
    )
    static let evaluator = InterlockEvaluator(policy: policy)

    /// A deterministic UUID from a small number, so failures name stable ids.
    static func id(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!
    }

    static func healthy(at now: Date = now, age: TimeInterval = 5) -> InterlockSnapshot {
        let at = now.addingTimeInterval(-age)
        return InterlockSnapshot(
            now: now,
            eStop: Timed(.closed, at: at),
            door: Timed(.closed, at: at),
            co2ExhaustLockout: Timed(false, at: at),
            tankLevel: Timed(60, at: at),
            ec: Timed(1.8, at: at),
            ph: Timed(5.9, at: at)
        )
    }

    static func std(_ n: Int) -> ZoneValve { ZoneValve(zoneID: id(n), deviceID: id(1_000 + n), loadClass: .standard) }
    static func hl(_ n: Int) -> ZoneValve { ZoneValve(zoneID: id(n), deviceID: id(1_000 + n), loadClass: .heavyLoad) }

    static func open(_ valve: ZoneValve, since seconds: TimeInterval) -> OpenValve {
        OpenValve(zoneID: valve.zoneID, loadClass: valve.loadClass, openSince: now.addingTimeInterval(-seconds))
    }

    /// An operator (id 77) re-arms a latched E-STOP in `snapshot`, which must show the loop closed.
    static func rearmEStop(_ lockouts: inout [Lockout], in snapshot: InterlockSnapshot) throws {
        _ = try lockouts.clear(.eStopOpen, by: id(77), note: "loop checked", snapshot: snapshot, policy: policy)
    }
}
