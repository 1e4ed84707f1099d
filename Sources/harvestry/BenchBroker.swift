import API
import Bus
import Domain
import Foundation
import HarvestryApp
import Logging
import ServiceLifecycle
import Store
import SwiftProtobuf

/// `harvestry bench ingest --through-broker`: the device path end to end. A private embedded Mosquitto (the launcher
/// `harvestry serve` uses without MQTT_URL), the MQTTIngest consumer `serve` runs, and `--publishers` MQTT clients
/// publishing the bench's batches as protobuf `TelemetryBatch`es to `hv/v1/{site}/{device}/telemetry` at QoS 1.
extension Bench.Ingest {
    var publisherCount: Int { self.publishers ?? self.workers }

    func ingestThroughBroker(
        _ pipeline: TelemetryPipeline,
        owner: PostgresClient,
        fixture: BenchFixture,
        batches: Int,
        base: Int64,
        clocks: PushClocks,
        logger: Logger
    ) async throws -> BrokerRun {
        let directory = "/tmp/harvestry-bench-mqtt-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory), logger: logger)
        try await broker.start()
        do {
            guard let port = await broker.port else { throw BenchError(message: "the embedded broker has no port") }
            let endpoint = MQTTEndpoint(host: "127.0.0.1", port: port)
            let run = try await self.withIngest(pipeline, endpoint: endpoint, logger: logger) {
                try await self.publish(
                    pipeline,
                    port: port,
                    fixture: fixture,
                    batches: batches,
                    base: base,
                    clocks: clocks,
                    logger: logger
                )
            }
            // Every reading must be in the table once: the counters are not the proof.
            let from = Date(timeIntervalSince1970: Double(base) / 1e6)
            let stored: Int64 = try await owner.query(
                """
                SELECT count(*)::bigint AS n FROM sensor_readings
                WHERE site_id = $1::uuid AND ts >= $2 AND ts < $2 + interval '1 hour'
                """,
                [SQLValue(fixture.site), SQLValue(from)]
            )[0].decode("n")
            guard stored == batches * self.batch else {
                throw BenchError(message: "through the broker: \(stored) readings stored of \(batches * self.batch)")
            }
            await broker.stop()
            return run
        } catch {
            await broker.stop()
            throw error
        }
    }

    /// Runs the MQTT ingest consumer around `body`, started once both its subscriptions are acknowledged.
    func withIngest(
        _ pipeline: TelemetryPipeline,
        endpoint: MQTTEndpoint,
        logger: Logger,
        _ body: () async throws -> BrokerRun
    ) async throws -> BrokerRun {
        let (subscribed, signal) = AsyncStream<Void>.makeStream()
        let ingest = MQTTIngest(
            pipeline: pipeline,
            configuration: .init(endpoint: endpoint),
            logger: logger,
            onSubscribed: { signal.finish() }
        )
        let services = ServiceGroup(services: [ingest], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let ready = await withTaskGroup(of: Bool.self) { wait in
                wait.addTask {
                    for await _ in subscribed {}
                    return !Task.isCancelled
                }
                wait.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return false
                }
                defer { wait.cancelAll() }
                return await wait.next() ?? false
            }
            do {
                guard ready else { throw BenchError(message: "the MQTT ingest consumer did not subscribe within 30 s") }
                let run = try await body()
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return run
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// Publishes every batch (one device always from the same publisher, in order) and waits, bounded, until the
    /// pipeline has stored them all; the wall time runs from the first publish to the last reading stored.
    func publish(
        _ pipeline: TelemetryPipeline,
        port: Int,
        fixture: BenchFixture,
        batches: Int,
        base: Int64,
        clocks: PushClocks,
        logger: Logger
    ) async throws -> BrokerRun {
        var publishers: [MQTTClient] = []
        defer { for publisher in publishers { publisher.beginDisconnect() } }
        for index in 0..<self.publisherCount {
            publishers.append(
                try await MQTTClient.connect(
                    .init(port: port, clientID: "hv-bench-\(getpid())-\(index)"),
                    logger: logger
                )
            )
        }
        let clients = publishers
        // The devices' work (building and encoding each batch) happens before the clock starts: on a real site it
        // runs on the devices, not on the server's cores.
        let outboxes = try self.outboxes(fixture: fixture, batches: batches, base: base, publishers: clients.count)
        let before = pipeline.counters.snapshot
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (publisher, outbox) in zip(clients, outboxes) {
                group.addTask {
                    for message in outbox {
                        if let rate = self.rate {
                            try await Task.sleep(
                                until: start + .seconds(Double(message.index * self.batch) / Double(rate))
                            )
                        }
                        clocks.started(message.first)
                        try await publisher.publish(message.payload, to: message.topic, qos: .atLeastOnce)
                    }
                }
            }
            try await group.waitForAll()
        }
        let published = clock.now - start
        let total = batches * self.batch
        // Unpaced publishers finish long before the pipeline: allow 120 s, or 10k readings/s for the whole load.
        let bound = max(120, total / 10_000)
        let deadline = clock.now + .seconds(bound)
        var handled = 0
        while clock.now < deadline {
            let now = pipeline.counters.snapshot
            handled = now.accepted + now.duplicates - before.accepted - before.duplicates
            if handled >= total { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        let wall = clock.now - start
        guard handled >= total else {
            throw BenchError(
                message: "through the broker: \(handled) of \(total) readings handled \(bound) s after the last PUBACK"
            )
        }
        for _ in 0..<200 where clocks.count < batches { try await Task.sleep(for: .milliseconds(10)) }
        let after = pipeline.counters.snapshot
        return BrokerRun(
            wall: wall,
            published: published,
            latencies: clocks.latencies,
            rate: self.rate,
            batchSize: self.batch,
            groupCommit: GroupCommit(from: before, to: after),
            timeline: clocks.timeline(since: start)
        )
    }
}

extension Bench.Ingest {
    /// One encoded device batch, ready to publish.
    struct OutboundBatch: Sendable {
        var index: Int
        var topic: String
        var payload: [UInt8]
        /// The batch's first reading, whose arrival at the hub ends its device -> store time.
        var first: BucketKey
    }

    /// Every batch as its device publishes it, per publisher: a device always publishes through the same client,
    /// so its batches arrive in order.
    func outboxes(fixture: BenchFixture, batches: Int, base: Int64, publishers: Int) throws -> [[OutboundBatch]] {
        let site = fixture.site.uuidString.lowercased()
        var outboxes = [[OutboundBatch]](repeating: [], count: publishers)
        for index in 0..<batches {
            let readings = fixture.readings(batch: index, size: self.batch, base: base)
            let message = fixture.message(batch: index, readings: readings)
            let topic = try DeviceTopic(site: site, device: message.deviceID, channel: .telemetry)
            outboxes[index % fixture.devices.count % publishers].append(
                OutboundBatch(
                    index: index,
                    topic: topic.name,
                    payload: try message.serializedBytes(),
                    first: BucketKey(streamID: readings[0].streamID, startMicros: readings[0].micros)
                )
            )
        }
        return outboxes
    }
}

/// Device batches against the store transactions that carried them.
struct GroupCommit: Sendable, CustomStringConvertible {
    var batches: Int
    var writes: Int

    init(batches: Int, writes: Int) {
        self.batches = batches
        self.writes = writes
    }

    init(from before: TelemetryCounters.Snapshot, to after: TelemetryCounters.Snapshot) {
        self.init(batches: after.batches - before.batches, writes: after.writes - before.writes)
    }

    var description: String {
        "\(self.batches) batches in \(self.writes) transactions "
            + "(\(String(format: "%.1f", Double(self.batches) / Double(max(1, self.writes)))) per transaction)"
    }
}

/// The broker run: first publish to last reading stored, the publishers' own time, and device -> store latency
/// per batch (publish call -> its first reading at the hub subscriber, so after commit and NOTIFY).
struct BrokerRun: Sendable {
    var wall: Duration
    var published: Duration
    var latencies: [Duration]
    var rate: Int?
    /// Readings per published batch.
    var batchSize: Int
    var groupCommit: GroupCommit
    /// Device -> store latency second by second.
    var timeline: [LatencySecond]

    /// `second,batches,p50_ms,p99_ms,max_ms`, one line per second of the run.
    var timelineCSV: String {
        (["second,batches,p50_ms,p99_ms,max_ms"] + self.timeline.map(\.csvLine)).joined(separator: "\n") + "\n"
    }

    var result: BenchResult { BenchResult(wall: self.wall, latencies: self.latencies) }

    func row(_ readings: Int, _ batch: Int, _ publishers: Int) -> String {
        let paced = self.rate.map { ", paced to \($0)/s" } ?? ""
        return self.result.row(
            "MQTT broker -> MQTTIngest (\(publishers) publishers\(paced))",
            readings,
            batch,
            publishers
        )
    }

    func summary(_ readings: Int, copy: BenchResult) -> String {
        let result = self.result
        return "broker / raw COPY: \(String(format: "%.0f", 100 * result.rate(readings) / copy.rate(readings))) %; "
            + "publishers done after \(String(format: "%.2f", BenchResult.seconds(self.published))) s; "
            + "device -> store (publish -> hub subscriber), \(self.latencies.count) batches: "
            + "p50 \(result.percentile(0.5)), p95 \(result.percentile(0.95)), p99 \(result.percentile(0.99)); "
            + "group commit: \(self.groupCommit)\n" + self.steadiness
    }

    /// Readings stored per second early and late in the publishing (medians over 10 s): a paced run that keeps up
    /// stores the offered rate in both; an overloaded one should level off at its capacity, not fall away.
    var steadiness: String {
        let end = Int(BenchResult.seconds(self.published))
        let perSecond = Dictionary(uniqueKeysWithValues: self.timeline.map { ($0.second, $0.latencies.count) })
        let batchSize = self.batchSize
        func median(_ seconds: Range<Int>) -> Int {
            let counts = seconds.map { perSecond[$0, default: 0] * batchSize }.sorted()
            return counts.isEmpty ? 0 : counts[counts.count / 2]
        }
        guard end >= 22 else { return "stored per second: the run is too short to compare its start and end" }
        let (early, late) = (median(1..<11), median(end - 10..<end))
        let share = early == 0 ? 0 : 100 * late / early
        return "stored per second while publishing (median of 10 s): seconds 1-10 \(early), "
            + "seconds \(end - 10)-\(end - 1) \(late) (\(share) % of the start)"
    }
}
