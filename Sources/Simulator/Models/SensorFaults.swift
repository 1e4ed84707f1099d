/// The sensor faults active on one sensor, applied to each reading on its way out.
struct SensorFaults: Hashable, Sendable {
    private struct Fault: Hashable, Sendable {
        var stuckAt: Double?
        var stuck = false
        var driftPerHour = 0.0
        var driftSince: SimInstant?
        var noiseSigma = 0.0
        var dropout = false
    }

    /// Keyed by stream; "" holds the faults applied to every stream.
    private var faults: [String: Fault] = [:]

    var isEmpty: Bool { self.faults.isEmpty }

    mutating func apply(_ fault: DeviceFault, at now: SimInstant) {
        switch fault {
        case .stuck(let stream): self.faults[stream ?? "", default: Fault()].stuck = true
        case .drift(let stream, let perHour):
            self.faults[stream ?? "", default: Fault()].driftPerHour = perHour
            self.faults[stream ?? "", default: Fault()].driftSince = now
        case .noise(let stream, let sigma): self.faults[stream ?? "", default: Fault()].noiseSigma = sigma
        case .dropout(let stream): self.faults[stream ?? "", default: Fault()].dropout = true
        case .restore: self.faults = [:]
        default: break
        }
    }

    /// The reading as the faulty sensor reports it, or nil when it reports nothing.
    /// `last` is the stream's last reported value, where a stuck reading freezes.
    func filter(stream: String, value: Double, last: Double?, at now: SimInstant, rng: inout SimRandom) -> Double? {
        guard !self.faults.isEmpty else { return value }
        var out = value
        for key in ["", stream] {
            guard let fault = self.faults[key] else { continue }
            if fault.dropout { return nil }
            if fault.stuck {
                if let last { return last }
            }
            if let since = fault.driftSince {
                out += fault.driftPerHour * Double((now - since).nanoseconds) / 3.6e12
            }
            if fault.noiseSigma > 0 { out += fault.noiseSigma * rng.gaussian() }
        }
        return out
    }
}
