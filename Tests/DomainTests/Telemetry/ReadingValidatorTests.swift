import Domain
import Foundation
import Testing

@Suite("Reading validation")
struct ReadingValidatorTests {
    let site = UUID()
    let device = UUID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var temperature: SensorStream {
        SensorStream(
            id: UUID(uuidString: "00000000-0000-0000-0000-0000000000a1")!,
            siteID: site,
            deviceID: device,
            key: "air_temp",
            type: .temperature
        )
    }
    var ec: SensorStream {
        SensorStream(
            id: UUID(uuidString: "00000000-0000-0000-0000-0000000000a2")!,
            siteID: site,
            deviceID: device,
            key: "ec",
            type: .ec
        )
    }

    func validate(_ raw: [RawReading]) -> ReadingValidator.Outcome {
        ReadingValidator().validate(raw, streams: [self.temperature, self.ec], now: self.now)
    }

    @Test("valid readings are coerced and keyed by stream")
    func valid() {
        let outcome = self.validate([
            RawReading(streamKey: "air_temp", value: 77, unit: "°F", time: now),
            RawReading(streamID: ec.id.uuidString, value: 1500, unit: "µS/cm", time: now.addingTimeInterval(-5)),
        ])
        #expect(outcome.issues.isEmpty)
        #expect(outcome.readings.map(\.streamID) == [temperature.id, ec.id])
        #expect(abs(outcome.readings[0].value - 25) < 1e-9)
        #expect(abs(outcome.readings[1].value - 1.5) < 1e-9)
        #expect(outcome.readings.allSatisfy { $0.siteID == site })
    }

    @Test(
        "each problem names the field and reason",
        arguments: [
            (
                RawReading(streamKey: "nope", value: 1, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].stream", "UNKNOWN_STREAM"
            ),
            (
                RawReading(streamID: UUID().uuidString, value: 1, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].stream_id", "UNKNOWN_STREAM"
            ),
            (
                RawReading(value: 1, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].stream", "FIELD_REQUIRED"
            ),
            (
                RawReading(streamKey: "air_temp", value: .nan, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].value", "VALUE_NOT_FINITE"
            ),
            (
                RawReading(streamKey: "air_temp", value: .infinity, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].value", "VALUE_NOT_FINITE"
            ),
            (
                RawReading(streamKey: "air_temp", value: 500, time: Date(timeIntervalSince1970: 1_800_000_000)),
                "batch.readings[0].value", "VALUE_OUT_OF_RANGE"
            ),
            (
                RawReading(
                    streamKey: "air_temp",
                    value: 20,
                    unit: "parsecs",
                    time: Date(timeIntervalSince1970: 1_800_000_000)
                ),
                "batch.readings[0].unit", "UNKNOWN_UNIT"
            ),
            (
                RawReading(
                    streamKey: "air_temp",
                    value: 20,
                    unit: "mS/cm",
                    time: Date(timeIntervalSince1970: 1_800_000_000)
                ),
                "batch.readings[0].unit", "UNIT_MISMATCH"
            ),
            (
                RawReading(streamKey: "air_temp", value: 20, time: nil),
                "batch.readings[0].timestamp", "FIELD_REQUIRED"
            ),
            (
                RawReading(streamKey: "air_temp", value: 20, time: Date(timeIntervalSince1970: 1_800_000_000 + 301)),
                "batch.readings[0].timestamp", "TIMESTAMP_IN_FUTURE"
            ),
            (
                RawReading(
                    streamKey: "air_temp",
                    value: 20,
                    time: Date(timeIntervalSince1970: 1_800_000_000 - 91 * 86_400)
                ),
                "batch.readings[0].timestamp", "TIMESTAMP_TOO_OLD"
            ),
        ]
    )
    func rejects(_ raw: RawReading, field: String, reason: String) {
        let outcome = self.validate([raw])
        #expect(outcome.readings.isEmpty)
        #expect(outcome.issues.map(\.field) == [field])
        #expect(outcome.issues.map(\.reason) == [reason])
    }

    @Test("a bad reading does not hide the good ones, and the index points at it")
    func mixed() {
        let outcome = self.validate([
            RawReading(streamKey: "air_temp", value: 20, time: now),
            RawReading(streamKey: "ec", value: -1, time: now),
        ])
        #expect(outcome.readings.count == 1)
        #expect(outcome.issues.map(\.field) == ["batch.readings[1].value"])
    }

    @Test("repeats within a batch (same stream, same microsecond) count as duplicates")
    func duplicates() {
        let t = now.addingTimeInterval(-10)
        let outcome = self.validate([
            RawReading(streamKey: "air_temp", value: 20, time: t),
            RawReading(streamKey: "air_temp", value: 21, time: t),
            RawReading(streamID: temperature.id.uuidString, value: 22, time: t),
            RawReading(streamKey: "ec", value: 1, time: t),
            RawReading(streamKey: "air_temp", value: 23, time: t.addingTimeInterval(0.000_001)),
        ])
        #expect(outcome.issues.isEmpty)
        #expect(outcome.duplicates == 2)
        #expect(outcome.readings.map(\.value) == [20, 1, 23])
    }

    @Test("an oversized batch is one issue")
    func oversized() {
        let raw = Array(repeating: RawReading(streamKey: "air_temp", value: 1, time: now), count: 10_001)
        let outcome = self.validate(raw)
        #expect(outcome.issues.map(\.reason) == ["BATCH_TOO_LARGE"])
        #expect(outcome.readings.isEmpty)
    }
}
