/// What a sensor stream measures. The type fixes the canonical unit readings are stored in and the range a
/// plausible reading falls in (outside it the sensor is broken or the unit is wrong).
public enum StreamType: String, Sendable, Hashable, CaseIterable {
    case temperature, humidity, ec, ph, moisture, co2, vpd, pressure, ppfd, flow, tds

    /// The unit stored values are in.
    public var canonicalUnit: MeasurementUnit {
        switch self {
        case .temperature: .celsius
        case .humidity, .moisture: .percent
        case .ec: .millisiemensPerCentimetre
        case .ph: .pH
        case .co2, .tds: .partsPerMillion
        case .vpd, .pressure: .kilopascal
        case .ppfd: .micromolePerSquareMetreSecond
        case .flow: .litresPerMinute
        }
    }

    /// The closed range of plausible values, in the canonical unit.
    public var plausibleRange: ClosedRange<Double> {
        switch self {
        case .temperature: -40...85
        case .humidity, .moisture: 0...100
        case .ec: 0...20
        case .ph: 0...14
        case .co2: 0...10_000
        case .vpd: 0...10
        case .pressure: 0...1_000
        case .ppfd: 0...3_000
        case .flow: 0...1_000
        case .tds: 0...5_000
        }
    }
}
