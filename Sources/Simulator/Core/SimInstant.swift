/// A point on the simulation's clock: nanoseconds since the Unix epoch. The clock may run faster than real time
/// (long scenarios) or at real time (load tests); models only ever see `SimInstant`s, never the wall clock.
public struct SimInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public init(secondsSinceEpoch seconds: Int64) {
        self.nanosecondsSinceEpoch = seconds * 1_000_000_000
    }

    /// Whole seconds and the nanoseconds within the second (what a protobuf Timestamp holds).
    public var secondsAndNanos: (seconds: Int64, nanos: Int32) {
        let (seconds, nanos) = self.nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return nanos < 0 ? (seconds - 1, Int32(nanos + 1_000_000_000)) : (seconds, Int32(nanos))
    }

    public var description: String {
        let (seconds, nanos) = self.secondsAndNanos
        return "\(seconds).\(String(1_000_000_000 + Int(nanos)).dropFirst())s"
    }

    public static func < (lhs: SimInstant, rhs: SimInstant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    public static func + (lhs: SimInstant, rhs: Duration) -> SimInstant {
        SimInstant(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch + rhs.nanoseconds)
    }

    public static func - (lhs: SimInstant, rhs: Duration) -> SimInstant {
        SimInstant(nanosecondsSinceEpoch: lhs.nanosecondsSinceEpoch - rhs.nanoseconds)
    }

    public static func - (lhs: SimInstant, rhs: SimInstant) -> Duration {
        .nanoseconds(lhs.nanosecondsSinceEpoch - rhs.nanosecondsSinceEpoch)
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating is not needed for simulation spans of years).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
