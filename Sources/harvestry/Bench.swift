import API
import ArgumentParser
import Domain
import Foundation
import HarvestryApp
import Logging
import Store
import SwiftProtobuf
import Synchronization

/// `harvestry bench ...`: performance measurements against real components.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure performance against real components.",
        subcommands: [Ingest.self, SimBench.self, BenchCommands.self, BenchSpool.self, BenchUplink.self]
    )

    /// `harvestry bench ingest`: the telemetry ingest pipeline against a raw COPY of the same rows.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest pipeline rate against the raw COPY limit, into a private Postgres.",
            discussion: """
                Starts a private, durable Postgres in a temporary directory (or uses --database-url, which must \
                allow creating a tenant as its owner), migrates it and creates one site with devices and streams. \
                Then it writes the same number of readings twice with the same batch size and concurrency: raw \
                COPY straight into sensor_readings (the physical limit: no validation, no dedupe, no rollups), \
                and through TelemetryPipeline (the device links' entry: validation, unit coercion, group commit, \
                binary COPY into staging, INSERT ... ON CONFLICT, rollup upserts and NOTIFY in one statement) as \
                harvestry_service. Prints a table of readings/s and per-batch latency, the realtime push latency \
                to a hub subscriber and the rollup counts. With --through-broker a third run sends the same number of \
                readings as protobuf batches from --publishers MQTT clients (QoS 1) through the embedded Mosquitto \
                to the MQTTIngest consumer `harvestry serve` runs; its push latency is publish -> hub subscriber. --rate \
                paces the publishers (batch i is published i × batch / rate seconds after the start).
                """
        )

        @Option(help: "Readings per run.") var readings = 200_000
        @Option(help: "Readings per batch.") var batch = 1_000
        @Option(help: "Concurrent writers (and pooled connections).") var workers = 4
        @Option(help: "Streams per device.") var streams = 10
        @Option(help: "Sensor devices the batches rotate over (default: 2 × max(workers, publishers)).")
        var devices: Int?
        @Option(help: "libpq URL of an owner connection (env DATABASE_URL); default: a private temporary server.")
        var databaseUrl: String?
        @Flag(help: "Also run the readings through the embedded Mosquitto and the MQTT ingest consumer.")
        var throughBroker = false
        @Option(help: "Publishing MQTT clients with --through-broker (default: --workers).") var publishers: Int?
        @Option(help: "Write the broker run's device -> store latency per second as CSV to this file.")
        var timeline: String?
        @Option(help: "Readings/s the publishers pace themselves to with --through-broker (default: unpaced).")
        var rate: Int?

        func validate() throws {
            guard self.readings > 0, self.batch > 0, self.workers > 0, self.streams > 0 else {
                throw ValidationError("--readings, --batch, --workers and --streams must be positive")
            }
            if let devices = self.devices, !(1...100_000).contains(devices) {
                throw ValidationError("--devices must be between 1 and 100000 (got \(devices))")
            }
            guard self.batch % self.streams == 0 else {
                throw ValidationError("--batch must be a multiple of --streams")
            }
            if let publishers = self.publishers {
                guard self.throughBroker else { throw ValidationError("--publishers needs --through-broker") }
                guard (1...256).contains(publishers) else {
                    throw ValidationError("--publishers must be between 1 and 256 (got \(publishers))")
                }
            }
            if let timeline = self.timeline {
                guard self.throughBroker else { throw ValidationError("--timeline needs --through-broker") }
                let directory = URL(fileURLWithPath: timeline).deletingLastPathComponent().path
                guard FileManager.default.fileExists(atPath: directory) else {
                    throw ValidationError("--timeline: no directory \(directory)")
                }
            }
            if let rate = self.rate {
                guard self.throughBroker else { throw ValidationError("--rate needs --through-broker") }
                guard rate > 0 else { throw ValidationError("--rate must be positive (got \(rate))") }
            }
        }

        func run() async throws {
            bootstrapCommandLogging()
            var logger = Logger(label: "harvestry.bench")
            logger.logLevel = .warning
            if let url = self.databaseUrl ?? ProcessInfo.processInfo.environment["DATABASE_URL"] {
                try await self.measure(owner: url, service: url, logger: logger, role: ServiceRole.name)
                return
            }
            let directory = "/tmp/harvestry-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o755)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let server = EmbeddedPostgres(configuration: .init(dataDirectory: directory + "/postgres"), logger: logger)
            do {
                let owner = try await server.start()
                try await self.measure(owner: owner, service: try await server.serviceConninfo, logger: logger)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }

        func measure(owner: String, service: String, logger: Logger, role: String? = nil) async throws {
            try await Migrate.migrate(conninfo: owner, logger: logger)
            let ownerClient = PostgresClient(
                configuration: .init(conninfo: owner, maximumConnections: self.workers),
                logger: logger
            )
            defer { ownerClient.close() }
            let fixture = try await BenchFixture.make(
                ownerClient,
                devices: self.devices ?? max(self.workers, self.publisherCount) * 2,
                streamsPerDevice: self.streams
            )
            let batches = (self.readings + self.batch - 1) / self.batch
            let base = Int64(Date().timeIntervalSince1970 - 3 * 3_600) * 1_000_000

            // Raw COPY: the same rows, the same batches and concurrency, an hour earlier (no conflicts with the
            // pipeline's rows), straight into the partitioned table as the owner.
            _ = try await PostgresTelemetryRepository(client: ownerClient).preparePartitions(
                from: Date(timeIntervalSince1970: Double(base) / 1e6 - 7_200),
                days: 2
            )
            try await settleDatabase(ownerClient, before: "raw COPY")
            let copy = try await Self.run(batches: batches, workers: self.workers) { index in
                let rows = fixture.readings(batch: index, size: self.batch, base: base - 3_600_000_000)
                try await ownerClient.withConnection { connection in
                    try await connection.copyFrom(
                        table: "sensor_readings",
                        columns: ["stream_id", "site_id", "ts", "value"],
                        rows: rows.map {
                            [SQLValue($0.streamID), SQLValue(fixture.site), SQLValue($0.time), SQLValue($0.value)]
                        }
                    )
                }
            }

            let serviceClient = PostgresClient(
                configuration: .init(conninfo: service, maximumConnections: self.workers, role: role),
                logger: logger
            )
            defer { serviceClient.close() }
            let pipeline = TelemetryPipeline(
                repository: PostgresTelemetryRepository(client: serviceClient),
                logger: logger
            )
            // Realtime push: a subscriber on the hub (LISTEN on its own connection) times each batch from the
            // ingest call to the arrival of its first reading.
            let hub = ReadingHub(client: serviceClient, logger: logger)
            let clocks = PushClocks()
            let brokerClocks = PushClocks()
            let (id, updates) = hub.subscribe(site: fixture.site)
            let (through, pipelineCommit, broker) = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hub.run() }
                group.addTask {
                    // A batch's first reading may arrive anywhere in a notification (group commit merges batches).
                    for await update in updates {
                        clocks.arrived(update)
                        brokerClocks.arrived(update)
                    }
                }
                for _ in 0..<500 where !hub.isListening { try await Task.sleep(for: .milliseconds(10)) }
                try await settleDatabase(ownerClient, before: "the pipeline run")
                let before = pipeline.counters.snapshot
                let result = try await self.ingestThroughPipeline(
                    pipeline,
                    fixture: fixture,
                    batches: batches,
                    base: base,
                    clocks: clocks
                )
                for _ in 0..<200 where clocks.count < batches {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let commit = GroupCommit(from: before, to: pipeline.counters.snapshot)
                var broker: BrokerRun?
                if self.throughBroker {
                    try await settleDatabase(ownerClient, before: "the broker run")
                    broker = try await self.ingestThroughBroker(
                        pipeline,
                        owner: ownerClient,
                        fixture: fixture,
                        batches: batches,
                        base: base + 3_600_000_000,
                        clocks: brokerClocks,
                        logger: logger
                    )
                }
                hub.unsubscribe(id)
                group.cancelAll()
                return (result, commit, broker)
            }
            let push = BenchResult(wall: .zero, latencies: clocks.latencies)
            let total = batches * self.batch
            // The rollups must count every pipeline and broker reading once (the raw COPY rows bypass them).
            var rolledUp: [Int64] = []
            for table in ["sensor_readings_1m", "sensor_readings_5m", "sensor_readings_1h"] {
                let rows = try await ownerClient.query(
                    "SELECT coalesce(sum(count), 0)::bigint AS n FROM \(table) WHERE site_id = $1::uuid",
                    [SQLValue(fixture.site)]
                )
                rolledUp.append(try rows[0].decode("n"))
            }
            if let broker, let path = self.timeline {
                do {
                    try broker.timelineCSV.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw BenchError(message: "--timeline: cannot write \(path): \(error)")
                }
            }
            let brokerRow = broker.map { "\n" + $0.row(total, self.batch, self.publisherCount) } ?? ""
            let brokerSummary = broker.map { "\n" + $0.summary(total, copy: copy) } ?? ""
            print(
                """
                | path | readings | batch | workers | readings/s | batch p50 | batch p95 | batch p99 |
                | --- | --- | --- | --- | --- | --- | --- | --- |
                \(copy.row("raw COPY (limit)", total, self.batch, self.workers))
                \(through.row("TelemetryPipeline", total, self.batch, self.workers))\(brokerRow)

                pipeline / raw COPY: \(String(format: "%.0f", 100 * through.rate(total) / copy.rate(total))) %; \
                group commit: \(pipelineCommit)
                realtime push (ingest call -> hub subscriber), \(push.latencies.count) batches: \
                p50 \(push.percentile(0.5)), p95 \(push.percentile(0.95)), p99 \(push.percentile(0.99))\(brokerSummary)
                rollups (1m / 5m / 1h readings counted, of \(broker == nil ? total : 2 * total)): \(rolledUp.map(String.init).joined(separator: " / ")); \
                written in the ingest transaction, so fresh at commit (freshness = batch latency)
                """
            )
        }

        func ingestThroughPipeline(
            _ pipeline: TelemetryPipeline,
            fixture: BenchFixture,
            batches: Int,
            base: Int64,
            clocks: PushClocks
        ) async throws -> BenchResult {
            try await Self.run(batches: batches, workers: self.workers) { index in
                let readings = fixture.readings(batch: index, size: self.batch, base: base)
                if let first = readings.first {
                    clocks.started(BucketKey(streamID: first.streamID, startMicros: first.micros))
                }
                let message = fixture.message(batch: index, readings: readings)
                let outcome = await pipeline.ingest(message, site: fixture.site, device: message.deviceID)
                guard outcome.accepted == readings.count else {
                    throw BenchError(message: "batch \(index): \(outcome)")
                }
            }
        }

        /// Runs `batches` calls of `body` on `workers` concurrent tasks; returns the wall time and batch latencies.
        static func run(
            batches: Int,
            workers: Int,
            _ body: @escaping @Sendable (Int) async throws -> Void
        ) async throws -> BenchResult {
            let clock = ContinuousClock()
            let start = clock.now
            let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var mine: [Duration] = []
                        for index in stride(from: worker, to: batches, by: workers) {
                            let began = clock.now
                            try await body(index)
                            mine.append(clock.now - began)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            return BenchResult(wall: clock.now - start, latencies: latencies.sorted())
        }
    }
}
