import Domain
import Testing

@Suite("Unit coercion")
struct UnitCoercionTests {
    /// (spelling, value, stream type, expected canonical value)
    static let table: [(String, Double, StreamType, Double)] = [
        ("°F", 77, .temperature, 25),
        ("degF", 32, .temperature, 0),
        ("F", 212, .temperature, 100),
        ("°C", 21.5, .temperature, 21.5),
        ("celsius", -3, .temperature, -3),
        ("K", 300.15, .temperature, 27),
        ("µS/cm", 1500, .ec, 1.5),
        ("μS/cm", 2200, .ec, 2.2),
        ("uS/cm", 800, .ec, 0.8),
        ("mS/cm", 1.8, .ec, 1.8),
        ("dS/m", 2.1, .ec, 2.1),
        ("S/m", 0.2, .ec, 2),
        ("%", 55, .humidity, 55),
        ("%RH", 61, .humidity, 61),
        ("ratio", 0.42, .moisture, 42),
        ("m³/m³", 0.3, .moisture, 30),
        ("ppm", 900, .co2, 900),
        ("mg/L", 640, .tds, 640),
        ("kPa", 1.2, .vpd, 1.2),
        ("hPa", 12, .vpd, 1.2),
        ("mbar", 9, .vpd, 0.9),
        ("Pa", 1100, .vpd, 1.1),
        ("psi", 14.5038, .pressure, 100),
        ("bar", 2, .pressure, 200),
        ("µmol/m²/s", 850, .ppfd, 850),
        ("L/h", 120, .flow, 2),
        ("gpm", 1, .flow, 3.785411784),
        ("pH", 6.1, .ph, 6.1),
        ("W", 3200, .power, 3200),
        ("kW", 10, .power, 10_000),
        ("kw", -2.5, .power, -2500),
        ("kWh", 12.3, .energy, 12.3),
        ("Wh", 4500, .energy, 4.5),
        ("V", 612.4, .voltage, 612.4),
        ("mV", 3300, .voltage, 3.3),
        ("A", -18.5, .current, -18.5),
        ("mA", 250, .current, 0.25),
        ("Hz", 60.02, .frequency, 60.02),
        ("%", 87, .stateOfCharge, 87),
        ("ratio", 0.96, .stateOfHealth, 96),
    ]

    @Test("converts to the canonical unit", arguments: Self.table.indices)
    func converts(_ index: Int) throws {
        let (spelling, value, type, expected) = Self.table[index]
        let unit = try #require(MeasurementUnit(spelling: spelling), "\(spelling) is not recognised")
        let converted = try #require(unit.convert(value, to: type.canonicalUnit))
        #expect(abs(converted - expected) < 1e-3, "\(value) \(spelling) -> \(converted), expected \(expected)")
    }

    @Test(
        "refuses units of another quantity",
        arguments: [
            ("°F", StreamType.ec), ("ppm", .temperature), ("kPa", .ph), ("kWh", .power), ("W", .energy),
            ("V", .current), ("A", .voltage), ("Hz", .power), ("kW", .temperature),
        ]
    )
    func mismatch(_ spelling: String, _ type: StreamType) throws {
        let unit = try #require(MeasurementUnit(spelling: spelling))
        #expect(unit.convert(1, to: type.canonicalUnit) == nil)
    }

    @Test("unknown spellings are nil")
    func unknown() {
        #expect(MeasurementUnit(spelling: "furlongs") == nil)
        #expect(MeasurementUnit(spelling: "") == nil)
        // Case-insensitive spellings cannot tell milli- from mega- watts: neither is accepted.
        #expect(MeasurementUnit(spelling: "MW") == nil)
        #expect(MeasurementUnit(spelling: "MWh") == nil)
    }

    @Test("every canonical unit parses from its own symbol")
    func canonicalSymbols() {
        for type in StreamType.allCases {
            #expect(MeasurementUnit(spelling: type.canonicalUnit.rawValue) == type.canonicalUnit, "\(type)")
        }
    }
}
