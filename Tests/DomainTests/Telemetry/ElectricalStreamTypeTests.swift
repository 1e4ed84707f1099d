import Domain
import Foundation
import Testing

/// The inverter's stream types: canonical units, plausible ranges (edges in, just past them out) and the field an
/// out-of-range reading is refused with.
@Suite("Electrical stream types")
struct ElectricalStreamTypeTests {
    /// (type, canonical unit, lowest plausible, highest plausible)
    static let table: [(StreamType, MeasurementUnit, Double, Double)] = [
        (.power, .watt, -1_000_000, 1_000_000),
        (.energy, .kilowattHour, 0, 100_000_000),
        (.voltage, .volt, 0, 1_500),
        (.current, .ampere, -2_000, 2_000),
        (.frequency, .hertz, 0, 100),
        (.stateOfCharge, .percent, 0, 100),
        (.stateOfHealth, .percent, 0, 100),
    ]

    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func validate(_ type: StreamType, _ value: Double, unit: String = "") -> ReadingValidator.Outcome {
        let stream = SensorStream(id: UUID(), siteID: UUID(), deviceID: UUID(), key: "reg", type: type)
        let raw = RawReading(streamKey: "reg", value: value, unit: unit, time: self.now)
        return ReadingValidator().validate([raw], streams: [stream], now: self.now)
    }

    @Test("units and ranges", arguments: Self.table.indices)
    func unitsAndRanges(_ index: Int) {
        let (type, unit, low, high) = Self.table[index]
        #expect(type.canonicalUnit == unit)
        #expect(type.plausibleRange == low...high)
        for edge in [low, high] {
            #expect(self.validate(type, edge).readings.map(\.value) == [edge], "\(type) \(edge)")
        }
        let step = max(1, (high - low) / 1_000)
        for outside in [low - step, high + step] {
            let outcome = self.validate(type, outside)
            #expect(outcome.readings.isEmpty, "\(type) \(outside)")
            #expect(outcome.issues.map(\.field) == ["batch.readings[0].value"], "\(type) \(outside)")
            #expect(outcome.issues.map(\.reason) == ["VALUE_OUT_OF_RANGE"])
        }
    }

    @Test("kW and Wh are converted before the range check")
    func convertedThenChecked() {
        #expect(self.validate(.power, 9.8, unit: "kW").readings.map(\.value) == [9_800])
        #expect(self.validate(.energy, 2_500, unit: "Wh").readings.map(\.value) == [2.5])
        // 1,200 kW is 1.2 MW: past the power range once converted, though 1,200 W would pass.
        let outcome = self.validate(.power, 1_200, unit: "kW")
        #expect(outcome.readings.isEmpty)
        #expect(outcome.issues.first?.field == "batch.readings[0].value")
        #expect(outcome.issues.first?.description.contains("1200000.0 W") == true, "\(outcome.issues)")
        // A Sungrow energy counter sent in W is the wrong quantity.
        #expect(self.validate(.energy, 10, unit: "W").issues.map(\.reason) == ["UNIT_MISMATCH"])
    }

    @Test("the new types' raw values are the ones the database allows (migration 0018)")
    func rawValues() {
        #expect(
            [StreamType.power, .energy, .voltage, .current, .frequency, .stateOfCharge, .stateOfHealth].map(\.rawValue)
                == ["power", "energy", "voltage", "current", "frequency", "state_of_charge", "state_of_health"]
        )
    }
}
