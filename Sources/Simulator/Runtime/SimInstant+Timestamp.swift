import SwiftProtobuf

/// Simulation instants as protobuf `Timestamp`s, both ways, for every message the simulator sends or reads.
extension SimInstant {
    /// Timestamp's valid range (0001-01-01 to 9999-12-31) is wider than a `SimInstant`'s (about 1678 to 2262): a
    /// timestamp beyond it saturates, which keeps its meaning (long past, or not reached in any run).
    init(saturating timestamp: Google_Protobuf_Timestamp) {
        let (scaled, overflow) = timestamp.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else {
            self.init(nanosecondsSinceEpoch: timestamp.seconds < 0 ? .min : .max)
            return
        }
        let (sum, carry) = scaled.addingReportingOverflow(Int64(timestamp.nanos))
        self.init(nanosecondsSinceEpoch: carry ? .max : sum)
    }

    var timestamp: Google_Protobuf_Timestamp {
        let (seconds, nanos) = self.secondsAndNanos
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
    }
}
