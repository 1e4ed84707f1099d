enum ProxyTime {
    /// `duration` in whole nanoseconds (toxic durations are validated to at most a day, far from overflow).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
