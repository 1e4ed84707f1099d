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
        let (site, clients) = (fixture.site.uuidString.lowercased(), publishers)
        let before = pipeline.counters.snapshot
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, publisher) in clients.enumerated() {
                group.addTask {
                    for index in 0..<batches where index % fixture.devices.count % clients.count == number {
                        if let rate = self.rate {
                            try await Task.sleep(until: start + .seconds(Double(index * self.batch) / Double(rate)))
                        }
                        let readings = fixture.readings(batch: index, size: self.batch, base: base)
                        let message = fixture.message(batch: index, readings: readings)
                        let payload: [UInt8] = try message.serializedBytes()
                        let topic = try DeviceTopic(site: site, device: message.deviceID, channel: .telemetry)
                        if let first = readings.first {
                            clocks.started(BucketKey(streamID: first.streamID, startMicros: first.micros))
                        }
                        try await publisher.publish(payload, to: topic.name, qos: .atLeastOnce)
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
        return BrokerRun(wall: wall, published: published, latencies: clocks.latencies, rate: self.rate)
    }
}

/// The broker run: first publish to last reading stored, the publishers' own time, and device -> store latency
/// per batch (publish call -> its first reading at the hub subscriber, so after commit and NOTIFY).
struct BrokerRun: Sendable {
    var wall: Duration
    var published: Duration
    var latencies: [Duration]
    var rate: Int?

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
            + "p50 \(result.percentile(0.5)), p95 \(result.percentile(0.95)), p99 \(result.percentile(0.99))"
    }
}
