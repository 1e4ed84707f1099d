import SwiftProtobuf

/// Durations as protobuf `Duration`s (instants: `SimInstant.timestamp`).
enum FaultProtoTime {
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
