import API
import Foundation
import SwiftProtobuf
import Testing

@testable import Simulator

/// The ground truth of published telemetry: each batch's record lists exactly the readings the batch carried.
@Suite struct TruthPublishedTests {
    static let t0 = SimInstant(secondsSinceEpoch: 1_700_000_000)

    static func temporaryPath() -> String {
        NSTemporaryDirectory() + "hv-truth-\(UUID().uuidString.prefix(8)).jsonl"
    }

    @Test func aPublishedBatchsLineListsExactlyItsReadings() async throws {
        var mapper = PayloadMapper(site: "site-1")
        let messages = mapper.messages(for: [
            Emission(device: "a", at: Self.t0, kind: .reading(stream: "air_temp", value: 21.25, unit: "degC")),
            Emission(device: "a", at: Self.t0 + .milliseconds(7), kind: .reading(stream: "rh", value: 55, unit: "%")),
            Emission(device: "b", at: Self.t0, kind: .reading(stream: "ec", value: 2.1e-7, unit: "mS/cm")),
            Emission(device: "a", at: Self.t0 + .seconds(1), kind: .reading(stream: "co2", value: -3, unit: "ppm")),
            Emission(device: "b", at: Self.t0, kind: .event(eventID: "e1", code: "X", severity: .info, message: "m")),
        ])
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try TruthRecorder(path: path)
        let handedOver = Self.t0 + .seconds(2)
        for message in messages { recorder.record(.published(message, spooled: false, at: handedOver)) }
        await recorder.close()
        let records = try TruthLog.read(path: path)
        #expect(records.count == messages.count)
        for (message, record) in zip(messages, records) {
            #expect(record.kind == .published && record.device == message.device)
            #expect(record.channel == message.channel.name)
            #expect(record.publishedNanos == handedOver.nanosecondsSinceEpoch)
            guard message.channel == .telemetry else {
                #expect(record.values == nil && record.sequence == nil && record.readings == nil)
                continue
            }
            let batch = try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: message.payload)
            let sent = batch.readings.map {
                TruthReading(
                    stream: $0.stream,
                    simNanos: $0.timestamp.seconds * 1_000_000_000 + Int64($0.timestamp.nanos),
                    value: $0.value
                )
            }
            #expect(record.values == sent)
            #expect(record.readings == sent.count)
            #expect(record.sequence == batch.sequence)
        }
        let batchA = try #require(records.first { $0.device == "a" && $0.channel == "telemetry" })
        #expect(batchA.values?.map(\.stream) == ["air_temp", "rh", "co2"])
        #expect(batchA.values?[1].simNanos == (Self.t0 + .milliseconds(7)).nanosecondsSinceEpoch)
    }

    @Test func theHandWrittenLineDecodesToTheSameRecord() throws {
        var record = TruthRecord(kind: .published, at: Self.t0, device: "dev \"q\" \\ / é\n\t\u{1}")
        record.channel = "telemetry"
        record.sequence = UInt64.max
        record.readings = 3
        record.spooled = true
        record.publishedNanos = -5
        record.values = [
            TruthReading(stream: "air_temp", simNanos: 1, value: 21.5),
            TruthReading(stream: "x", simNanos: Int64.min, value: 1e300),
            TruthReading(stream: "y", simNanos: Int64.max, value: nil),
        ]
        var full = TruthRecord.command(id: "c/1", name: "valve.open", rejection: "bad", device: "d", at: Self.t0)
        full.output = "zone-1"
        full.on = false
        full.fault = "f"
        full.detail = "held 5s"
        for original in [record, full] {
            var line: [UInt8] = []
            original.appendJSONLine(to: &line)
            #expect(line.last == UInt8(ascii: "\n"))
            #expect(!line.dropLast().contains(UInt8(ascii: "\n")))
            let decoded = try JSONDecoder().decode(TruthRecord.self, from: Data(line.dropLast()))
            #expect(decoded == original, "\(String(decoding: line, as: UTF8.self))")
        }
        // Keys sorted as JSONEncoder's .sortedKeys sorts them.
        var line: [UInt8] = []
        record.appendJSONLine(to: &line)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        let text = String(decoding: line, as: UTF8.self)
        let positions = object.keys.compactMap { key in text.range(of: "\"\(key)\":").map { (key, $0.lowerBound) } }
        #expect(positions.sorted { $0.1 < $1.1 }.map(\.0) == object.keys.sorted())
    }

    @Test func aNonFiniteReadingIsRecordedAsNull() throws {
        var mapper = PayloadMapper(site: "s")
        let messages = mapper.messages(for: [
            Emission(device: "a", at: Self.t0, kind: .reading(stream: "air_temp", value: .nan, unit: "degC")),
            Emission(device: "a", at: Self.t0, kind: .reading(stream: "rh", value: .infinity, unit: "%")),
        ])
        var line: [UInt8] = []
        TruthRecord.published(messages[0], spooled: false, at: Self.t0).appendJSONLine(to: &line)
        let decoded = try JSONDecoder().decode(TruthRecord.self, from: Data(line.dropLast()))
        #expect(decoded.values?.map(\.value) == [nil, nil])
        #expect(String(decoding: line, as: UTF8.self).contains("\"value\":null"))
    }
}
