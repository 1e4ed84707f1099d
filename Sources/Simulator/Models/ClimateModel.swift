/// A room's air as a climate sensor sees it: temperature (degC), relative humidity (%), CO2 (ppm) and the VPD (kPa)
/// computed from temperature and humidity, following a lights-on/lights-off cycle (18/6 by default, on the UTC day).
public struct ClimateModel: Hashable, Sendable {
    public struct Setpoints: Hashable, Sendable {
        public var dayTemperature = 26.0
        public var nightTemperature = 21.0
        public var dayHumidity = 60.0
        public var nightHumidity = 70.0
        public var dayCO2 = 900.0
        public var nightCO2 = 550.0
        /// Lights on from this second of the UTC day (inclusive) ...
        public var lightsOn: Int64 = 6 * 3600
        /// ... for this many seconds.
        public var photoperiod: Int64 = 18 * 3600
        /// How fast the air follows the setpoints.
        public var timeConstantSeconds = 1200.0

        public init() {}
    }

    public var setpoints: Setpoints
    public private(set) var temperature: Double
    public private(set) var humidity: Double
    public private(set) var co2: Double
    private var last: SimInstant

    public init(start: SimInstant, setpoints: Setpoints = Setpoints()) {
        self.setpoints = setpoints
        self.last = start
        let day = Self.isDay(start, setpoints)
        self.temperature = day ? setpoints.dayTemperature : setpoints.nightTemperature
        self.humidity = day ? setpoints.dayHumidity : setpoints.nightHumidity
        self.co2 = day ? setpoints.dayCO2 : setpoints.nightCO2
    }

    /// Whether the lights are on at `instant`.
    public static func isDay(_ instant: SimInstant, _ setpoints: Setpoints) -> Bool {
        let secondOfDay = (instant.nanosecondsSinceEpoch / 1_000_000_000) % 86_400
        let sinceOn = (secondOfDay - setpoints.lightsOn + 86_400) % 86_400
        return sinceOn < setpoints.photoperiod
    }

    /// Saturation vapour pressure over water (Tetens): 0.61078 exp(17.27 T / (T + 237.3)) kPa.
    public static func saturationVapourPressure(temperature: Double) -> Double {
        0.610_78 * SimMath.exp(17.27 * temperature / (temperature + 237.3))
    }

    /// Air vapour pressure deficit in kPa: SVP(T) (1 - RH/100).
    public static func vpd(temperature: Double, humidity: Double) -> Double {
        saturationVapourPressure(temperature: temperature) * (1 - humidity / 100)
    }

    /// Moves the air to `now` (toward the setpoints of that moment, with a little turbulence) and reports it.
    public mutating func sample(at now: SimInstant, rng: inout SimRandom, report: (String, Double, String) -> Void) {
        let seconds = Double((now - self.last).nanoseconds) / 1e9
        self.last = now
        let day = Self.isDay(now, self.setpoints)
        let tau = self.setpoints.timeConstantSeconds
        let targetT = day ? self.setpoints.dayTemperature : self.setpoints.nightTemperature
        let targetRH = day ? self.setpoints.dayHumidity : self.setpoints.nightHumidity
        let targetCO2 = day ? self.setpoints.dayCO2 : self.setpoints.nightCO2
        self.temperature =
            SimMath.relax(self.temperature, toward: targetT, seconds: seconds, tau: tau)
            + 0.02 * rng.gaussian()
        self.humidity = min(
            100,
            max(
                0,
                SimMath.relax(self.humidity, toward: targetRH, seconds: seconds, tau: tau)
                    + 0.1 * rng.gaussian()
            )
        )
        self.co2 = max(0, SimMath.relax(self.co2, toward: targetCO2, seconds: seconds, tau: tau) + 2 * rng.gaussian())
        report(SensorStreams.temperature, self.temperature, SensorStreams.celsius)
        report(SensorStreams.humidity, self.humidity, SensorStreams.percent)
        report(SensorStreams.co2, self.co2, SensorStreams.ppm)
        report(
            SensorStreams.vpd,
            Self.vpd(temperature: self.temperature, humidity: self.humidity),
            SensorStreams.kilopascal
        )
    }
}
