import GRPCCore

extension Metadata {
    /// Sets `grpc-timeout` to `timeout` in its wire form (at most eight digits and a unit, rounded up), as GRPCCore's
    /// server executor reads it: for transports that hand metadata to a server without a wire.
    public mutating func setTimeout(_ timeout: Duration) {
        self.replaceOrAddString(Deadline.header(for: timeout), forKey: "grpc-timeout")
    }

    /// The call's `grpc-timeout` (the time it had left when it reached the server), or nil when it has none or an
    /// unreadable one. Handlers that answer "at the deadline" (IrrigationService's AbortRun) read it.
    public var timeout: Duration? {
        self[stringValues: "grpc-timeout"].first { _ in true }.flatMap(Self.parseTimeout)
    }

    /// gRPC's `TimeoutValue TimeoutUnit`: up to 8 digits and one of H M S m u n.
    public static func parseTimeout(_ text: String) -> Duration? {
        guard let unit = text.last, (2...9).contains(text.count), let value = Int64(text.dropLast()), value >= 0
        else { return nil }
        switch unit {
        case "H": return .seconds(value * 3600)
        case "M": return .seconds(value * 60)
        case "S": return .seconds(value)
        case "m": return .milliseconds(value)
        case "u": return .microseconds(value)
        case "n": return .nanoseconds(value)
        default: return nil
        }
    }
}
