/// A program the controller runs by itself, broker or not: zone steps (a valve and how long) in order.
public struct LocalProgram: Hashable, Sendable {
    public struct Step: Hashable, Sendable {
        public var valve: DeviceID
        public var duration: Duration
    }

    public enum Phase: String, Hashable, Sendable {
        /// The current step's valve is open.
        case running
        /// The current step waits for a free slot under the concurrency cap (bounded: `ControllerConfig.maxStepWait`).
        case waiting
        /// Tank low stopped it; the current step is retried when the tank is restored.
        case abortedForTank = "aborted-tank-low"
    }

    public var steps: [Step]
    public var current = 0
    public var phase = Phase.running
    /// When the current step began waiting for a slot; nil when it does not wait.
    public var waitingSince: SimInstant?

    /// Parses `valve:seconds;valve:seconds`. Returns nil when malformed or a duration is not a positive integer.
    static func parse(_ text: String) -> [Step]? {
        var steps: [Step] = []
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let fields = part.split(separator: ":")
            guard fields.count == 2, !fields[0].isEmpty, let seconds = Int64(fields[1]), seconds > 0 else { return nil }
            steps.append(Step(valve: String(fields[0]), duration: .seconds(seconds)))
        }
        return steps.isEmpty || steps.count > 256 ? nil : steps
    }

    var summary: String { "\(self.phase.rawValue):\(self.current + 1)/\(self.steps.count)" }
}
