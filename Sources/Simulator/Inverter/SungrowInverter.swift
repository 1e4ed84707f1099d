/// A Sungrow hybrid inverter with PV, a battery and a constant site load, stepped on the simulation's clock. Pure:
/// no I/O, no wall clock. Its registers come from `registerWords()`; writes to its holding registers arrive through
/// `write(wireAddress:values:)`.
public struct SungrowInverter: Sendable {
    /// Power flows at an instant, in watts.
    public struct Flows: Hashable, Sendable {
        public var workState: SungrowWorkState
        /// PV power produced (after any power limitation).
        public var pvW: Double
        /// Positive while charging, negative while discharging.
        public var batteryW: Double
        public var loadW: Double
        /// Positive while exporting to the grid, negative while importing.
        public var exportW: Double
        /// The inverter's AC output: PV minus battery charging (plus discharging).
        public var acOutputW: Double { self.pvW - self.batteryW }
    }

    /// The longest step of the energy integration.
    static let integrationStep: Duration = .seconds(10)

    public let configuration: SungrowInverterConfiguration
    public let pvCurve: PVCurve
    public private(set) var now: SimInstant
    public internal(set) var isStarted = true
    public private(set) var isEmergencyStopped = false
    /// The latched fault, if any.
    public private(set) var faultCode: String?
    public internal(set) var powerLimitationEnabled = false
    /// The power limitation in 0.1 % of nominal power (0...1000).
    public internal(set) var powerLimitationPermille: UInt16 = 1000
    /// State of charge, 0...1.
    public private(set) var stateOfCharge: Double
    public private(set) var dailyPVWh: Double = 0
    public private(set) var totalPVWh: Double

    public init(configuration: SungrowInverterConfiguration, start: SimInstant) {
        self.configuration = configuration
        self.pvCurve = PVCurve(
            peakW: configuration.pvPeakW,
            sunriseSecond: configuration.sunriseSecond,
            sunsetSecond: configuration.sunsetSecond,
            utcOffsetSeconds: configuration.utcOffsetSeconds
        )
        self.now = start
        self.stateOfCharge = configuration.initialStateOfCharge
        self.totalPVWh = configuration.initialTotalPVWh
    }

    /// The flows now.
    public var flows: Flows { self.flows(at: self.now) }

    /// Integrates energy and state of charge up to `instant`; the daily yield restarts at local midnight. An
    /// instant before `now` changes nothing.
    public mutating func advance(to instant: SimInstant) {
        while self.now < instant {
            let second = self.pvCurve.secondOfDay(self.now)
            let toMidnight = Duration.seconds(86_400 - second) - .nanoseconds(self.now.secondsAndNanos.nanos)
            let step = min(instant - self.now, Self.integrationStep, toMidnight)
            let flows = self.flows(at: self.now)
            let hours = Double(step.nanoseconds) / 3_600_000_000_000
            self.dailyPVWh += flows.pvW * hours
            self.totalPVWh += flows.pvW * hours
            let charge = self.stateOfCharge + flows.batteryW * hours / self.configuration.batteryCapacityWh
            self.stateOfCharge = min(1, max(0, charge))
            self.now = self.now + step
            if step == toMidnight { self.dailyPVWh = 0 }
        }
    }

    /// E-STOP pressed (true) or released (false). Releasing returns to the state start/stop asks for.
    public mutating func setEmergencyStop(_ pressed: Bool) {
        self.isEmergencyStopped = pressed
    }

    /// Latches a fault (e.g. an injected `grid-overvoltage`): no output until `clearFault()`.
    public mutating func latchFault(_ code: String) {
        self.faultCode = code
    }

    public mutating func clearFault() {
        self.faultCode = nil
    }

    func flows(at instant: SimInstant) -> Flows {
        let config = self.configuration
        let available = self.pvCurve.power(at: instant)
        let limitW = config.nominalPowerW * Double(self.powerLimitationPermille) / 1000
        let workState: SungrowWorkState =
            if self.isEmergencyStopped { .emergencyStop } else if self.faultCode != nil {
                .fault
            } else if !self.isStarted { .stop } else if available <= 0 {
                .standby
            } else if self.powerLimitationEnabled && available > limitW { .deratingRun } else { .run }
        let pvW = workState.producesPower ? min(available, self.powerLimitationEnabled ? limitW : available) : 0
        var batteryW = 0.0
        if workState.producesPower || workState == .standby {
            let surplus = pvW - config.loadW
            if surplus > 0 && self.stateOfCharge < 1 {
                batteryW = min(surplus, config.batteryMaxPowerW)
            } else if surplus < 0 && self.stateOfCharge > config.batteryReserve {
                batteryW = -min(-surplus, config.batteryMaxPowerW)
            }
        }
        return Flows(
            workState: workState,
            pvW: pvW,
            batteryW: batteryW,
            loadW: config.loadW,
            exportW: pvW - config.loadW - batteryW
        )
    }
}
