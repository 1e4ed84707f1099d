/// A simulated Sungrow hybrid inverter's plant: PV array, battery and the site load it feeds.
public struct SungrowInverterConfiguration: Hashable, Sendable {
    /// The value of `device_type_code`.
    public var deviceTypeCode: UInt16
    public var nominalPowerW: Double
    /// MPPT inputs wired (1...3); the registers of the others read 0xFFFF, as a real inverter reports absent ones.
    public var mpptCount: Int
    /// The PV array's clear-sky peak at solar noon.
    public var pvPeakW: Double
    /// Sunrise and sunset as seconds after midnight in the site's local time.
    public var sunriseSecond: Int
    public var sunsetSecond: Int
    /// Local time = UTC + this offset.
    public var utcOffsetSeconds: Int
    public var batteryCapacityWh: Double
    public var batteryMaxPowerW: Double
    /// The battery stops discharging at this state of charge (0...1).
    public var batteryReserve: Double
    public var initialStateOfCharge: Double
    /// The site load the inverter feeds, constant.
    public var loadW: Double
    /// Energy already on the counters at the start.
    public var initialTotalPVWh: Double

    public init(
        deviceTypeCode: UInt16 = 0x0E03,
        nominalPowerW: Double = 10_000,
        mpptCount: Int = 2,
        pvPeakW: Double = 9_000,
        sunriseSecond: Int = 6 * 3600,
        sunsetSecond: Int = 20 * 3600,
        utcOffsetSeconds: Int = 0,
        batteryCapacityWh: Double = 9_600,
        batteryMaxPowerW: Double = 5_000,
        batteryReserve: Double = 0.1,
        initialStateOfCharge: Double = 0.5,
        loadW: Double = 1_500,
        initialTotalPVWh: Double = 12_345_600
    ) throws(SungrowInverterError) {
        func require(_ ok: Bool, _ field: String, _ message: String) throws(SungrowInverterError) {
            if !ok { throw SungrowInverterError(field: field, message: message) }
        }
        try require(nominalPowerW > 0 && nominalPowerW <= 6_553_500, "nominalPowerW", "must be in (0, 6553.5 kW]")
        try require((1...3).contains(mpptCount), "mpptCount", "must be 1...3, got \(mpptCount)")
        try require(pvPeakW >= 0 && pvPeakW <= 1_000_000, "pvPeakW", "must be 0...1 MW")
        try require(
            (0..<86_400).contains(sunriseSecond) && sunriseSecond < sunsetSecond && sunsetSecond <= 86_400,
            "sunriseSecond",
            "sunrise must come before sunset within one day"
        )
        try require(abs(utcOffsetSeconds) <= 14 * 3600, "utcOffsetSeconds", "must be within ±14 h")
        try require(batteryCapacityWh > 0, "batteryCapacityWh", "must be positive")
        try require(batteryMaxPowerW >= 0 && batteryMaxPowerW <= 65_535, "batteryMaxPowerW", "must be 0...65535 W")
        try require((0...1).contains(batteryReserve), "batteryReserve", "must be 0...1")
        try require((0...1).contains(initialStateOfCharge), "initialStateOfCharge", "must be 0...1")
        try require(loadW >= 0 && loadW <= 1_000_000, "loadW", "must be 0...1 MW")
        try require(initialTotalPVWh >= 0, "initialTotalPVWh", "must not be negative")
        self.deviceTypeCode = deviceTypeCode
        self.nominalPowerW = nominalPowerW
        self.mpptCount = mpptCount
        self.pvPeakW = pvPeakW
        self.sunriseSecond = sunriseSecond
        self.sunsetSecond = sunsetSecond
        self.utcOffsetSeconds = utcOffsetSeconds
        self.batteryCapacityWh = batteryCapacityWh
        self.batteryMaxPowerW = batteryMaxPowerW
        self.batteryReserve = batteryReserve
        self.initialStateOfCharge = initialStateOfCharge
        self.loadW = loadW
        self.initialTotalPVWh = initialTotalPVWh
    }
}

/// A bad configuration or write, naming the field.
public struct SungrowInverterError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "\(self.field): \(self.message)" }
}
