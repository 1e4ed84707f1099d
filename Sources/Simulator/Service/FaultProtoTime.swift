import SwiftProtobuf

/// Simulation instants and durations as protobuf `Timestamp` and `Duration`.
enum FaultProtoTime {
    static func proto(_ instant: SimInstant) -> Google_Protobuf_Timestamp {
        let (seconds, nanos) = instant.secondsAndNanos
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
    }

    static func proto(_ duration: Duration) -> Google_Protobuf_Duration {
        let (seconds, nanos) = duration.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return Google_Protobuf_Duration(seconds: seconds, nanos: Int32(nanos))
    }

    /// nil for a duration outside the protobuf range or with mixed signs.
    static func duration(_ proto: Google_Protobuf_Duration) -> Duration? {
        guard abs(proto.seconds) <= 315_576_000_000, abs(proto.nanos) < 1_000_000_000,
            proto.seconds == 0 || proto.nanos == 0 || (proto.seconds > 0) == (proto.nanos > 0)
        else { return nil }
        return .seconds(proto.seconds) + .nanoseconds(Int64(proto.nanos))
    }
}
