/// The units readings arrive in, and how each converts to its stream type's canonical unit.
///
/// Spellings are matched after `normalize`: case-insensitive, spaces dropped, `µ`/`μ` as `u`, `°` as `deg`, `²` as
/// `2`, `^` dropped, so `°F`, `degF`, `F` and `fahrenheit` are one unit.
public enum MeasurementUnit: String, Sendable, Hashable, CaseIterable {
    case celsius = "degC"
    case fahrenheit = "degF"
    case kelvin = "K"
    case percent = "%"
    case fraction = "ratio"
    case millisiemensPerCentimetre = "mS/cm"
    case microsiemensPerCentimetre = "uS/cm"
    case decisiemensPerMetre = "dS/m"
    case siemensPerMetre = "S/m"
    case pH = "pH"
    case partsPerMillion = "ppm"
    case milligramsPerLitre = "mg/L"
    case kilopascal = "kPa"
    case hectopascal = "hPa"
    case pascal = "Pa"
    case millibar = "mbar"
    case bar = "bar"
    case psi = "psi"
    case micromolePerSquareMetreSecond = "umol/m2/s"
    case litresPerMinute = "L/min"
    case litresPerHour = "L/h"
    case gallonsPerMinute = "gpm"
    case watt = "W"
    case kilowatt = "kW"
    case kilowattHour = "kWh"
    case wattHour = "Wh"
    case volt = "V"
    case millivolt = "mV"
    case ampere = "A"
    case milliampere = "mA"
    case hertz = "Hz"

    /// Other accepted spellings, already normalized.
    private static let aliases: [String: MeasurementUnit] = [
        "degc": .celsius, "c": .celsius, "celsius": .celsius,
        "degf": .fahrenheit, "f": .fahrenheit, "fahrenheit": .fahrenheit,
        "k": .kelvin, "kelvin": .kelvin,
        "%": .percent, "%rh": .percent, "rh": .percent, "pct": .percent, "percent": .percent, "%vwc": .percent,
        "ratio": .fraction, "m3/m3": .fraction,
        "ms/cm": .millisiemensPerCentimetre, "us/cm": .microsiemensPerCentimetre, "ds/m": .decisiemensPerMetre,
        "s/m": .siemensPerMetre,
        "ph": .pH,
        "ppm": .partsPerMillion, "mg/l": .milligramsPerLitre,
        "kpa": .kilopascal, "hpa": .hectopascal, "pa": .pascal, "mbar": .millibar, "bar": .bar, "psi": .psi,
        "umol/m2/s": .micromolePerSquareMetreSecond, "umol/m2s": .micromolePerSquareMetreSecond,
        "umolm-2s-1": .micromolePerSquareMetreSecond,
        "l/min": .litresPerMinute, "lpm": .litresPerMinute, "l/h": .litresPerHour, "gpm": .gallonsPerMinute,
        // Spellings are case-insensitive, so `mw` and `mwh` are left out (milli- or mega-?); `mV` and `mA` are milli-.
        "w": .watt, "watt": .watt, "kw": .kilowatt, "kilowatt": .kilowatt,
        "kwh": .kilowattHour, "wh": .wattHour,
        "v": .volt, "volt": .volt, "mv": .millivolt,
        "a": .ampere, "amp": .ampere, "ampere": .ampere, "ma": .milliampere,
        "hz": .hertz, "hertz": .hertz,
    ]

    /// The unit a spelling names, or nil.
    public init?(spelling: String) {
        guard let unit = Self.aliases[Self.normalize(spelling)] else { return nil }
        self = unit
    }

    static func normalize(_ spelling: String) -> String {
        var out = ""
        for scalar in spelling.unicodeScalars {
            switch scalar {
            case " ", "\t", "^": continue
            case "µ", "μ": out += "u"
            case "°": out += "deg"
            case "²": out += "2"
            case "³": out += "3"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.lowercased()
    }

    /// `value` in this unit expressed in `canonical`, or nil when the two do not measure the same quantity.
    public func convert(_ value: Double, to canonical: MeasurementUnit) -> Double? {
        if self == canonical { return value }
        switch (self, canonical) {
        case (.fahrenheit, .celsius): return (value - 32) * 5 / 9
        case (.kelvin, .celsius): return value - 273.15
        case (.fraction, .percent): return value * 100
        case (.microsiemensPerCentimetre, .millisiemensPerCentimetre): return value / 1000
        case (.decisiemensPerMetre, .millisiemensPerCentimetre): return value
        case (.siemensPerMetre, .millisiemensPerCentimetre): return value * 10
        case (.milligramsPerLitre, .partsPerMillion): return value
        case (.hectopascal, .kilopascal), (.millibar, .kilopascal): return value / 10
        case (.pascal, .kilopascal): return value / 1000
        case (.bar, .kilopascal): return value * 100
        case (.psi, .kilopascal): return value * 6.894_757_293_168
        case (.litresPerHour, .litresPerMinute): return value / 60
        case (.gallonsPerMinute, .litresPerMinute): return value * 3.785_411_784
        case (.kilowatt, .watt): return value * 1000
        case (.wattHour, .kilowattHour): return value / 1000
        case (.millivolt, .volt), (.milliampere, .ampere): return value / 1000
        default: return nil
        }
    }
}
