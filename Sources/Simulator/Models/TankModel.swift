/// A feed tank: its level (%) drains while the controller's pumps run and a float valve refills it (from
/// `refillBelow` up to `refillUntil`). The level is linear between pump switches and refill thresholds, and the
/// integration splits at the thresholds, so it is exact at any sample interval.
public struct TankModel: Hashable, Sendable {
    public struct Parameters: Hashable, Sendable {
        /// Percent per second per running pump.
        public var drainPerPumpPerSecond = 0.05
        /// Percent per second while the float valve is open.
        public var refillPerSecond = 0.04
        public var refillBelow = 25.0
        public var refillUntil = 95.0
        /// The tank's height (m): the hydrostatic head the `pressure` stream reports.
        public var heightMetres = 1.5

        public init() {}
    }

    public var parameters: Parameters
    public private(set) var level: Double
    public private(set) var refilling: Bool
    public private(set) var last: SimInstant

    public init(start: SimInstant, level: Double = 80, parameters: Parameters = Parameters()) {
        self.parameters = parameters
        self.level = level
        self.refilling = level < parameters.refillBelow
        self.last = start
    }

    /// Brings the level to `now` with `pumps` pumps running the whole time since the last call.
    public mutating func integrate(to now: SimInstant, pumps: Int) {
        var seconds = Double((now - self.last).nanoseconds) / 1e9
        guard seconds > 0 else { return }
        self.last = now
        let p = self.parameters
        for _ in 0..<8 where seconds > 0 {  // each pass ends at a threshold or at `now`; a few passes always suffice
            let rate = (self.refilling ? p.refillPerSecond : 0) - Double(pumps) * p.drainPerPumpPerSecond
            var until = seconds
            if rate < 0, !self.refilling, self.level > p.refillBelow {
                until = min(until, (self.level - p.refillBelow) / -rate)
            } else if rate > 0, self.refilling {
                until = min(until, (p.refillUntil - self.level) / rate)
            }
            self.level = min(100, max(0, self.level + rate * until))
            seconds -= until
            if !self.refilling, self.level <= p.refillBelow {
                self.refilling = true
            } else if self.refilling, self.level >= p.refillUntil {
                self.refilling = false
            }
        }
    }

    /// The head of water in kPa: level fraction x height x rho g.
    public var headKilopascal: Double {
        self.level / 100 * self.parameters.heightMetres * 9.806_65
    }
}
