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
        subcommands: [Ingest.self]
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
                to a hub subscriber and the rollup counts. No MQTT broker is involved yet.
                """
        )

        @Option(help: "Readings per run.") var readings = 200_000
        @Option(help: "Readings per batch.") var batch = 1_000
        @Option(help: "Concurrent writers (and pooled connections).") var workers = 4
        @Option(help: "Streams per device.") var streams = 10
        @Option(help: "libpq URL of an owner connection (env DATABASE_URL); default: a private temporary server.")
        var databaseUrl: String?

        func validate() throws {
            guard self.readings > 0, self.batch > 0, self.workers > 0, self.streams > 0 else {
                throw ValidationError("--readings, --batch, --workers and --streams must be positive")
            }
            guard self.batch % self.streams == 0 else {
                throw ValidationError("--batch must be a multiple of --streams")
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
                devices: self.workers * 2,
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
            let (id, updates) = hub.subscribe(site: fixture.site)
            let through = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hub.run() }
                group.addTask {
                    // A batch's first reading may arrive anywhere in a notification (group commit merges batches).
                    for await update in updates { clocks.arrived(update) }
                }
                for _ in 0..<500 where !hub.isListening { try await Task.sleep(for: .milliseconds(10)) }
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
                hub.unsubscribe(id)
                group.cancelAll()
                return result
            }
            let push = BenchResult(wall: .zero, latencies: clocks.latencies)
            let total = batches * self.batch
            // The rollups must count every pipeline reading once (the raw COPY rows bypass them).
            var rolledUp: [Int64] = []
            for table in ["sensor_readings_1m", "sensor_readings_5m", "sensor_readings_1h"] {
                let rows = try await ownerClient.query(
                    "SELECT coalesce(sum(count), 0)::bigint AS n FROM \(table) WHERE site_id = $1::uuid",
                    [SQLValue(fixture.site)]
                )
                rolledUp.append(try rows[0].decode("n"))
            }
            print(
                """
                | path | readings | batch | workers | readings/s | batch p50 | batch p95 | batch p99 |
                | --- | --- | --- | --- | --- | --- | --- | --- |
                \(copy.row("raw COPY (limit)", total, self.batch, self.workers))
                \(through.row("TelemetryPipeline", total, self.batch, self.workers))

                pipeline / raw COPY: \(String(format: "%.0f", 100 * through.rate(total) / copy.rate(total))) %
                realtime push (ingest call -> hub subscriber), \(push.latencies.count) batches: \
                p50 \(push.percentile(0.5)), p95 \(push.percentile(0.95)), p99 \(push.percentile(0.99))
                rollups (1m / 5m / 1h readings counted, of \(total)): \(rolledUp.map(String.init).joined(separator: " / ")); \
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
                let device = fixture.devices[index % fixture.devices.count]
                let message = Harvestry_Telemetry_V1_TelemetryBatch.with {
                    $0.deviceID = device.id.uuidString.lowercased()
                    $0.sequence = UInt64(index + 1)
                    $0.readings = readings.map { reading in
                        .with {
                            $0.stream = device.keys[reading.streamID]!
                            $0.value = reading.value
                            $0.unit = "degC"
                            $0.timestamp = Google_Protobuf_Timestamp(date: reading.time)
                        }
                    }
                }
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

/// When each pipeline batch was handed in, and how long until its first reading reached the hub's subscriber.
final class PushClocks: Sendable {
    private let pending = Mutex<[BucketKey: ContinuousClock.Instant]>([:])
    private let measured = Mutex<[Duration]>([])

    func started(_ key: BucketKey) {
        let now = ContinuousClock.now
        self.pending.withLock { $0[key] = now }
    }

    func arrived(_ readings: [Reading]) {
        let now = ContinuousClock.now
        let began = self.pending.withLock { pending in
            pending.isEmpty
                ? []
                : readings.compactMap { pending.removeValue(forKey: BucketKey(streamID: $0.streamID, startMicros: $0.micros)) }
        }
        guard !began.isEmpty else { return }
        self.measured.withLock { measured in measured.append(contentsOf: began.map { now - $0 }) }
    }

    var count: Int { self.measured.withLock { $0.count } }
    var latencies: [Duration] { self.measured.withLock { $0.sorted() } }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}

struct BenchResult: Sendable {
    var wall: Duration
    var latencies: [Duration]

    func rate(_ readings: Int) -> Double { Double(readings) / Self.seconds(self.wall) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func percentile(_ p: Double) -> String {
        guard !self.latencies.isEmpty else { return "-" }
        let index = min(self.latencies.count - 1, Int((Double(self.latencies.count) * p).rounded(.up)) - 1)
        return String(format: "%.1f ms", Self.seconds(self.latencies[max(index, 0)]) * 1_000)
    }

    func row(_ name: String, _ readings: Int, _ batch: Int, _ workers: Int) -> String {
        "| \(name) | \(readings) | \(batch) | \(workers) | \(String(format: "%.0f", self.rate(readings))) | "
            + "\(self.percentile(0.5)) | \(self.percentile(0.95)) | \(self.percentile(0.99)) |"
    }
}

/// One organization, site, sensor devices and temperature streams, created as the owner.
struct BenchFixture: Sendable {
    struct Device: Sendable {
        var id: UUID
        var streams: [UUID]
        var keys: [UUID: String]
    }

    var site: UUID
    var devices: [Device]

    static func make(_ owner: PostgresClient, devices: Int, streamsPerDevice: Int) async throws -> BenchFixture {
        try await owner.transaction { connection in
            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let org: UUID = try await connection.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
                [SQLValue("bench \(tag)")]
            )[0].decode("id")
            let site: UUID = try await connection.query(
                "INSERT INTO sites (organization_id, name) VALUES ($1::uuid, 'bench') RETURNING id",
                [SQLValue(org)]
            )[0].decode("id")
            var made: [Device] = []
            for index in 0..<devices {
                let device: UUID = try await connection.query(
                    "INSERT INTO equipment (site_id, code, name, kind) VALUES ($1::uuid, $2, 'bench', 'sensor') RETURNING id",
                    [SQLValue(site), SQLValue("BENCH-\(tag)-\(index)")]
                )[0].decode("id")
                var streams: [UUID] = []
                var keys: [UUID: String] = [:]
                for key in 0..<streamsPerDevice {
                    let stream: UUID = try await connection.query(
                        """
                        INSERT INTO sensor_streams (site_id, equipment_id, key, stream_type, unit)
                        VALUES ($1::uuid, $2::uuid, $3, 'temperature', 'degC') RETURNING id
                        """,
                        [SQLValue(site), SQLValue(device), SQLValue("t\(key)")]
                    )[0].decode("id")
                    streams.append(stream)
                    keys[stream] = "t\(key)"
                }
                made.append(Device(id: device, streams: streams, keys: keys))
            }
            return BenchFixture(site: site, devices: made)
        }
    }

    /// Batch `index`: one device's streams, `size / streams` consecutive instants each, 1 ms apart, unique across
    /// batches.
    func readings(batch index: Int, size: Int, base: Int64) -> [Reading] {
        let device = self.devices[index % self.devices.count]
        let instants = size / device.streams.count
        let first = base + Int64(index / self.devices.count) * Int64(instants) * 1_000
        var out: [Reading] = []
        out.reserveCapacity(size)
        for step in 0..<instants {
            for stream in device.streams {
                let micros = first + Int64(step) * 1_000
                out.append(Reading(streamID: stream, siteID: self.site, micros: micros, value: Double(step % 300) / 10))
            }
        }
        return out
    }
}
