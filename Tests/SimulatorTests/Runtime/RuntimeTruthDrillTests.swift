import API
import Bus
import Foundation
import Simulator
import SwiftProtobuf
import Testing

/// A drill's "no data loss" check in small: the ground truth's readings of a short run of the pilot site against
/// what a broker subscriber received, matched by (device, stream, timestamp) with the value.
@Suite struct RuntimeTruthDrillTests {
    struct Key: Hashable, CustomStringConvertible {
        var device: String
        var stream: String
        var nanos: Int64
        var description: String { "\(self.device)/\(self.stream)@\(self.nanos)" }
    }

    @Test("every reading the ground truth says was published reached a subscriber, and nothing else did")
    func truthReadingsMatchWhatTheBrokerDelivered() async throws {
        try await RuntimeFixture.withBroker { broker, directory in
            let spec = SiteSpec.pilot()
            let start = SimInstant(secondsSinceEpoch: 1_700_000_000)
            let port = try #require(await broker.port)
            let truth = try TruthRecorder(path: directory + "/truth.jsonl")
            // 20x real time: 60 simulated seconds in about 3 s.
            let runtime = try SimulationRuntime(
                spec: spec,
                simulation: SiteSimulation(spec: spec, seed: 7, start: start),
                configuration: RuntimeConfiguration(
                    broker: MQTTEndpoint(host: "127.0.0.1", port: port),
                    groupSize: 8,
                    speed: 20,
                    start: start,
                    duration: .seconds(60),
                    spoolDirectory: directory + "/spool",
                    keepAliveSeconds: 5,
                    drainTimeout: .seconds(60)
                ),
                truth: truth,
                logger: RuntimeFixture.logger
            )
            let subscriber = try await RuntimeFixture.client(broker, id: "sub-drill", persistent: true)
            try await subscriber.subscribe("hv/v1/\(spec.site)/+/telemetry")
            let collector = Collector()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await collector.drain(subscriber.messages) }
                try await runtime.run()
                let published = try TruthLog.read(path: truth.path).filter { $0.channel == "telemetry" }.count
                let complete = await RuntimeFixture.wait(timeout: .seconds(60)) {
                    Set(collector.messages.map(\.payload)).count >= published
                }
                #expect(complete, "received \(Set(collector.messages.map(\.payload)).count) of \(published) batches")
                await subscriber.disconnect()
                group.cancelAll()
            }
            await truth.close()
            var truthReadings: [Key: Double?] = [:]
            let records = try TruthLog.read(path: truth.path).filter {
                $0.kind == .published && $0.channel == "telemetry"
            }
            for record in records {
                let values = try #require(record.values, "a published batch without values")
                #expect(values.count == record.readings)
                for reading in values {
                    let key = Key(device: record.device, stream: reading.stream, nanos: reading.simNanos)
                    #expect(truthReadings.updateValue(reading.value, forKey: key) == nil, "\(key) twice in the truth")
                }
            }
            var received: [Key: Double?] = [:]
            for message in collector.messages {
                let batch = try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: message.payload)
                for reading in batch.readings {
                    let nanos = reading.timestamp.seconds * 1_000_000_000 + Int64(reading.timestamp.nanos)
                    let key = Key(device: batch.deviceID, stream: reading.stream, nanos: nanos)
                    received[key] = reading.value.isFinite ? reading.value : nil
                }
            }
            #expect(truthReadings.count > 100, "too short a run to prove anything: \(truthReadings.count) readings")
            let missing = Set(truthReadings.keys).subtracting(received.keys)
            let extra = Set(received.keys).subtracting(truthReadings.keys)
            #expect(missing.isEmpty, "published per the truth, never received: \(missing.prefix(5))")
            #expect(extra.isEmpty, "received, not in the truth: \(extra.prefix(5))")
            let differing = truthReadings.filter { key, value in received[key].map { $0 != value } ?? false }
            #expect(differing.isEmpty, "values differ: \(differing.prefix(5))")
        }
    }
}
