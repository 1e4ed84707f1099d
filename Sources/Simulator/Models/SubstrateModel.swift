/// A zone's root substrate: volumetric moisture (%) rises toward saturation while the zone's valve runs and dries back
/// afterwards; EC (mS/cm) moves to the feed's EC while irrigating and concentrates as the substrate dries; pH moves to
/// the feed's pH and drifts up between shots. Every change is an exact exponential relaxation, so the result does
/// not depend on how often the sensor samples.
public struct SubstrateModel: Hashable, Sendable {
    public struct Parameters: Hashable, Sendable {
        public var saturatedMoisture = 65.0
        public var dryMoisture = 15.0
        public var wettingSeconds = 120.0
        public var dryingSeconds = 6 * 3600.0
        public var feedEC = 2.2
        public var concentratedEC = 3.6
        public var ecFeedSeconds = 180.0
        public var ecDryingSeconds = 12 * 3600.0
        public var feedPH = 5.9
        public var restingPH = 6.4
        public var phFeedSeconds = 300.0
        public var phDryingSeconds = 24 * 3600.0

        public init() {}
    }

    public var parameters: Parameters
    public private(set) var moisture: Double
    public private(set) var ec: Double
    public private(set) var ph: Double
    public private(set) var last: SimInstant

    public init(
        start: SimInstant,
        moisture: Double = 45,
        ec: Double = 2.4,
        ph: Double = 6.1,
        parameters: Parameters = Parameters()
    ) {
        self.parameters = parameters
        self.moisture = moisture
        self.ec = ec
        self.ph = ph
        self.last = start
    }

    /// Brings the substrate to `now`, the zone having been irrigated (`wet`) or not the whole time since the last call.
    public mutating func integrate(to now: SimInstant, wet: Bool) {
        let seconds = Double((now - self.last).nanoseconds) / 1e9
        guard seconds > 0 else { return }
        self.last = now
        let p = self.parameters
        if wet {
            self.moisture = SimMath.relax(
                self.moisture,
                toward: p.saturatedMoisture,
                seconds: seconds,
                tau: p.wettingSeconds
            )
            self.ec = SimMath.relax(self.ec, toward: p.feedEC, seconds: seconds, tau: p.ecFeedSeconds)
            self.ph = SimMath.relax(self.ph, toward: p.feedPH, seconds: seconds, tau: p.phFeedSeconds)
        } else {
            self.moisture = SimMath.relax(
                self.moisture,
                toward: p.dryMoisture,
                seconds: seconds,
                tau: p.dryingSeconds
            )
            self.ec = SimMath.relax(self.ec, toward: p.concentratedEC, seconds: seconds, tau: p.ecDryingSeconds)
            self.ph = SimMath.relax(self.ph, toward: p.restingPH, seconds: seconds, tau: p.phDryingSeconds)
        }
    }

    /// Integrates to `now` and reports what the probe reads (with a little measurement noise).
    public mutating func sample(
        at now: SimInstant,
        wet: Bool,
        rng: inout SimRandom,
        report: (String, Double, String) -> Void
    ) {
        self.integrate(to: now, wet: wet)
        report(SensorStreams.ec, max(0, self.ec + 0.01 * rng.gaussian()), SensorStreams.millisiemensPerCentimetre)
        report(SensorStreams.ph, self.ph + 0.01 * rng.gaussian(), SensorStreams.pH)
        report(
            SensorStreams.moisture,
            min(100, max(0, self.moisture + 0.1 * rng.gaussian())),
            SensorStreams.percent
        )
    }
}
