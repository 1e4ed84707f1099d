internal import CGRPC
import GRPCCore

/// Conversions between C-core deadlines and the `grpc-timeout` header GRPCCore reads and writes.
enum Deadline {
    /// The C-core deadline for a call that should last at most `timeout` from now; infinite when nil.
    static func timespec(after timeout: Duration?) -> gpr_timespec {
        guard let timeout else { return gpr_inf_future(GPR_CLOCK_REALTIME) }
        let (seconds, attoseconds) = timeout.components
        let nanos = max(0, seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanos.overflow else { return gpr_inf_future(GPR_CLOCK_REALTIME) }
        let total = nanos.partialValue &+ max(0, attoseconds / 1_000_000_000)
        return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(total, GPR_TIMESPAN))
    }

    /// The time left until a deadline the C core reported, or nil when the call has none.
    static func remaining(until deadline: gpr_timespec) -> Duration? {
        if gpr_time_cmp(deadline, gpr_inf_future(deadline.clock_type)) == 0 {
            return nil
        }
        let monotonic = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC)
        let left = gpr_time_sub(monotonic, gpr_now(GPR_CLOCK_MONOTONIC))
        let duration = Duration.seconds(left.tv_sec) + .nanoseconds(Int64(left.tv_nsec))
        return max(duration, .zero)
    }

    /// `grpc-timeout` wire form: at most eight digits and a unit, rounded up so a deadline is never shortened by
    /// more than the unit's resolution.
    static func header(for duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanos = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        let units: [(String, Double)] = [("n", 1), ("u", 1e3), ("m", 1e6), ("S", 1e9), ("M", 60e9), ("H", 3600e9)]
        for (unit, scale) in units {
            let value = (nanos / scale).rounded(.up)
            if value <= 99_999_999 {
                return "\(Int(max(value, 0)))\(unit)"
            }
        }
        return "99999999H"
    }
}
