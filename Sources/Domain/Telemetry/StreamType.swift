/// What a sensor stream measures. The type fixes the canonical unit readings are stored in and the range a
/// plausible reading falls in (outside it the sensor is broken or the unit is wrong).
///
/// The electrical types (`power` through `stateOfHealth`) are what an inverter's measurement registers carry (the
/// Sungrow map, `RegisterMaps/sungrow.csv`). Its state and code registers (`device_type_code`, `work_state`) and its
/// nameplate rating (`nominal_output_power`) are not measurements and have no stream type.
public enum StreamType: String, Sendable, Hashable, CaseIterable {
    case temperature, humidity, ec, ph, moisture, co2, vpd, pressure, ppfd, flow, tds
    /// Signed: export, battery and grid power change direction.
    case power
    /// A counter (daily or lifetime generation).
    case energy
    case voltage
    /// Signed: a battery charges and discharges.
    case current
    case frequency
    /// A battery's state of charge.
    case stateOfCharge = "state_of_charge"
    /// A battery's state of health.
    case stateOfHealth = "state_of_health"

    /// The unit stored values are in.
    public var canonicalUnit: MeasurementUnit {
        switch self {
        case .temperature: .celsius
        case .humidity, .moisture, .stateOfCharge, .stateOfHealth: .percent
        case .ec: .millisiemensPerCentimetre
        case .ph: .pH
        case .co2, .tds: .partsPerMillion
        case .vpd, .pressure: .kilopascal
        case .ppfd: .micromolePerSquareMetreSecond
        case .flow: .litresPerMinute
        case .power: .watt
        case .energy: .kilowattHour
        case .voltage: .volt
        case .current: .ampere
        case .frequency: .hertz
        }
    }

    /// The closed range of plausible values, in the canonical unit.
    public var plausibleRange: ClosedRange<Double> {
        switch self {
        case .temperature: -40...85
        case .humidity, .moisture, .stateOfCharge, .stateOfHealth: 0...100
        case .ec: 0...20
        case .ph: 0...14
        case .co2: 0...10_000
        case .vpd: 0...10
        case .pressure: 0...1_000
        case .ppfd: 0...3_000
        case .flow: 0...1_000
        case .tds: 0...5_000
        // A site's inverters, batteries and grid connection: up to 1 MW either way.
        case .power: -1_000_000...1_000_000
        // A lifetime counter: 100 GWh is decades of a 1 MW site.
        case .energy: 0...100_000_000
        // DC strings stay under 1500 V (the low-voltage limit for DC); AC phases and batteries far below.
        case .voltage: 0...1_500
        case .current: -2_000...2_000
        // Mains is 50 or 60 Hz; an off-grid or stopped inverter may report 0.
        case .frequency: 0...100
        }
    }
}
