import Domain
import Foundation
import Store
import TestSupport
import Testing

/// A site with one sensor device and its streams, for the telemetry tests.
struct TelemetryFixture: Sendable {
    let tenant: TestTenant
    let site: UUID
    let device: UUID
    let temperature: SensorStream
    let ec: SensorStream
    let telemetry: PostgresTelemetryRepository

    static func make(
        in db: MigratedDatabase,
        site index: Int = 0,
        tenant: TestTenant? = nil
    ) async throws
        -> TelemetryFixture
    {
        let tenant = if let tenant { tenant } else { try await TestTenant.make(in: db) }
        let site = tenant.siteIDs[index]
        let device = try await db.spatial.createEquipment(
            NewEquipment(siteID: site, code: "SNS-\(UInt16.random(in: 0...9999))", name: "Sensor", kind: .sensor),
            in: tenant.scope,
            audit: .none
        )
        let telemetry = PostgresTelemetryRepository(client: db.service)
        let temperature = try await telemetry.createStream(
            NewSensorStream(siteID: site, deviceID: device.id, key: "air_temp", type: .temperature),
            in: tenant.scope,
            audit: .none
        )
        let ec = try await telemetry.createStream(
            NewSensorStream(siteID: site, deviceID: device.id, key: "ec", type: .ec),
            in: tenant.scope,
            audit: .none
        )
        return TelemetryFixture(
            tenant: tenant,
            site: site,
            device: device.id,
            temperature: temperature,
            ec: ec,
            telemetry: telemetry
        )
    }

    func reading(_ stream: SensorStream, _ seconds: Int64, _ value: Double) -> Reading {
        Reading(streamID: stream.id, siteID: self.site, micros: Self.base + seconds * 1_000_000, value: value)
    }

    /// A recent minute boundary, so every reading is within retention.
    static let base: Int64 = {
        let now = Int64(Date().timeIntervalSince1970) - 7_200
        return (now - now % 3_600) * 1_000_000
    }()

    var start: Date { Date(timeIntervalSince1970: Double(Self.base) / 1_000_000) }
}

extension PostgresIntegrationTests {
    @Test func telemetryIngestStoresRollsUpAndDeduplicatesAcrossBatches() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            let first = [f.reading(f.temperature, 0, 20), f.reading(f.temperature, 30, 22), f.reading(f.ec, 10, 1.5)]
            let stored = try await f.telemetry.ingest(first, siteID: f.site)
            #expect(Set(stored) == Set(first))
            // The same readings again, plus one new: only the new one is stored; the rollups do not double.
            let again = first + [f.reading(f.temperature, 90, 30)]
            let second = try await f.telemetry.ingest(again, siteID: f.site)
            #expect(second == [f.reading(f.temperature, 90, 30)])

            let scope = f.tenant.scope
            let raw = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.temperature.id,
                    siteID: f.site,
                    start: f.start,
                    end: f.start.addingTimeInterval(3_600),
                    resolution: .raw
                ),
                in: scope,
                page: .first
            )
            #expect(raw.items.map(\.aggregate.last) == [20, 22, 30])
            let minutes = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.temperature.id,
                    siteID: f.site,
                    start: f.start,
                    end: f.start.addingTimeInterval(3_600),
                    resolution: .oneMinute
                ),
                in: scope,
                page: .first
            )
            #expect(minutes.items.count == 2)
            #expect(
                minutes.items[0].aggregate
                    == RollupAggregate(
                        min: 20,
                        max: 22,
                        sum: 42,
                        count: 2,
                        lastMicros: TelemetryFixture.base + 30_000_000,
                        last: 22
                    )
            )
            #expect(minutes.items[1].aggregate.count == 1 && minutes.items[1].aggregate.last == 30)
            let hour = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.temperature.id,
                    siteID: f.site,
                    start: f.start,
                    end: f.start.addingTimeInterval(3_600),
                    resolution: .oneHour
                ),
                in: scope,
                page: .first
            )
            #expect(hour.items.map(\.aggregate.count) == [3])
            #expect(hour.items.first?.aggregate.average == 24)
        }
    }

    @Test func telemetryLateAndDuplicateReadingsMatchTheDomainRollups() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            var rng = SystemRandomNumberGenerator()
            let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
            var generator = SplitMix64(seed: seed)
            // 600 readings over two hours, sent in shuffled batches that overlap (every 4th reading twice).
            let readings: [Reading] = (0..<600).map { (index: Int) -> Reading in
                let stream: SensorStream = index % 2 == 0 ? f.temperature : f.ec
                let value = Double(index % 50) / 10
                return f.reading(stream, Int64(index) * 12, value)
            }
            var sends = readings + readings.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
            sends.shuffle(using: &generator)
            var stored: [Reading] = []
            for chunk in stride(from: 0, to: sends.count, by: 97) {
                let batch = Array(sends[chunk..<min(chunk + 97, sends.count)])
                // Within one batch the validator would have removed repeats; do the same here.
                var seen = Set<BucketKey>()
                let unique = batch.filter {
                    seen.insert(BucketKey(streamID: $0.streamID, startMicros: $0.micros)).inserted
                }
                stored += try await f.telemetry.ingest(unique, siteID: f.site)
            }
            #expect(stored.count == readings.count, "seed \(seed)")
            for resolution in SeriesResolution.rollups {
                let expected = RollupAggregate.buckets(readings, width: resolution.bucketMicros!)
                for stream in [f.temperature, f.ec] {
                    let page = try await f.telemetry.series(
                        SeriesQuery(
                            streamID: stream.id,
                            siteID: f.site,
                            start: f.start,
                            end: f.start.addingTimeInterval(3 * 3_600),
                            resolution: resolution
                        ),
                        in: f.tenant.scope,
                        page: try PageRequest(size: 1000)
                    )
                    let want = expected.filter { $0.key.streamID == stream.id }
                    #expect(page.items.count == want.count, "seed \(seed), \(resolution)")
                    for point in page.items {
                        let key = BucketKey(streamID: stream.id, startMicros: Reading.micros(point.time))
                        let oracle = try #require(want[key], "seed \(seed)")
                        let got = point.aggregate
                        #expect(got.count == oracle.count, "seed \(seed)")
                        #expect(got.min == oracle.min, "seed \(seed)")
                        #expect(got.max == oracle.max, "seed \(seed)")
                        #expect(got.last == oracle.last, "seed \(seed)")
                        #expect(abs(point.aggregate.sum - oracle.sum) < 1e-6, "seed \(seed)")
                    }
                }
            }
        }
    }

    @Test func telemetrySeriesPagesAndStaysInItsSite() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db)
            let a = try await TelemetryFixture.make(in: db, site: 0, tenant: tenant)
            let b = try await TelemetryFixture.make(in: db, site: 1, tenant: tenant)
            _ = try await a.telemetry.ingest(
                (0..<25).map { a.reading(a.temperature, Int64($0), Double($0)) },
                siteID: a.site
            )
            let query = SeriesQuery(
                streamID: a.temperature.id,
                siteID: a.site,
                start: a.start,
                end: a.start.addingTimeInterval(60),
                resolution: .raw
            )
            var values: [Double] = []
            var token: String?
            for _ in 0..<10 {
                let page = try await a.telemetry.series(
                    query,
                    in: tenant.scope,
                    page: try PageRequest(size: 10, token: token)
                )
                values += page.items.map(\.aggregate.last)
                token = page.nextToken
                if token == nil { break }
            }
            #expect(values == (0..<25).map(Double.init))
            // Site B's caller sees neither the stream nor its readings.
            let onlyB = tenant.scope(site: b.site)
            await #expect(throws: DomainError.self) {
                _ = try await a.telemetry.series(query, in: onlyB, page: .first)
            }
            let asB = SeriesQuery(
                streamID: a.temperature.id,
                siteID: b.site,
                start: a.start,
                end: a.start.addingTimeInterval(60),
                resolution: .raw
            )
            await #expect(throws: DomainError.self) { _ = try await a.telemetry.series(asB, in: onlyB, page: .first) }
            let listed = try await b.telemetry.listStreams(siteID: b.site, deviceID: nil, in: onlyB, page: .first)
            #expect(Set(listed.items.map(\.id)) == [b.temperature.id, b.ec.id])
            // A reading for site A's stream labelled with site A cannot be written under site B's scope.
            await #expect(throws: (any Error).self) {
                _ = try await b.telemetry.ingest([a.reading(a.temperature, 99, 1)], siteID: b.site)
            }
            await #expect(throws: DomainError.self) {
                _ = try await b.telemetry.deviceStreams(deviceID: a.device, siteID: b.site)
            }
            #expect(try await a.telemetry.deviceStreams(deviceID: a.device, siteID: a.site).count == 2)
        }
    }

    @Test func telemetryIngestReturnsFirstOccurrencesInBatchOrder() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            let a = f.reading(f.temperature, 0, 1.0 / 3)
            let b = f.reading(f.ec, 0, 2)
            let c = f.reading(f.temperature, 61, -4.25e-7)
            // A repeat of (stream, time) within the batch is not stored again, whatever its value.
            let first = try await f.telemetry.ingest([a, b, f.reading(f.temperature, 0, 9), c], siteID: f.site)
            #expect(first == [a, b, c])
            // Stored readings anywhere in a later batch are skipped; the new ones come back in batch order.
            let d = f.reading(f.ec, 30, 3)
            let e = f.reading(f.temperature, 120, 5)
            let second = try await f.telemetry.ingest([c, d, a, e, b], siteID: f.site)
            #expect(second == [d, e])
            let minutes = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.temperature.id,
                    siteID: f.site,
                    start: f.start,
                    end: f.start.addingTimeInterval(3_600),
                    resolution: .fiveMinutes
                ),
                in: f.tenant.scope,
                page: .first
            )
            #expect(minutes.items.map(\.aggregate.count) == [3])
            #expect(minutes.items.first?.aggregate.last == 5)
            #expect(minutes.items.first?.aggregate.min == -4.25e-7)
        }
    }

    /// Stored readings are looked up per stream within that stream's own staged range: a batch where one stream
    /// replays an hour beside a few readings of another skips exactly the stored ones of each.
    @Test func telemetryIngestLooksUpEachStreamWithinItsOwnRange() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            // Stored: ec at 5 min and 30 min; temperature at 40 min.
            let stored = [f.reading(f.ec, 300, 1), f.reading(f.ec, 1_800, 2), f.reading(f.temperature, 2_400, 20)]
            #expect(try await f.telemetry.ingest(stored, siteID: f.site) == stored)
            // Temperature replays the hour (every 10 min, 40 min among them); ec has 25, 30 and 35 min.
            let replay = stride(from: Int64(0), through: 3_600, by: 600).map { f.reading(f.temperature, $0, 21) }
            let live = [f.reading(f.ec, 1_500, 3), f.reading(f.ec, 1_800, 4), f.reading(f.ec, 2_100, 5)]
            let batch = replay + live
            let inserted = try await f.telemetry.ingest(batch, siteID: f.site)
            let duplicates = [f.reading(f.temperature, 2_400, 21), f.reading(f.ec, 1_800, 4)]
            #expect(inserted == batch.filter { !duplicates.contains($0) })
            #expect(inserted.count == batch.count - 2)
            let hour = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.ec.id, siteID: f.site, start: f.start, end: f.start.addingTimeInterval(3_600),
                    resolution: .oneHour
                ),
                in: f.tenant.scope,
                page: .first
            )
            #expect(hour.items.map(\.aggregate.count) == [4])
            #expect(hour.items.first?.aggregate.max == 5)
        }
    }

    @Test func telemetryConcurrentIngestsOfTheSameReadingsStoreEachOnce() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            // Identical batches at once: each reading must come back stored from exactly one of them (whether a
            // batch saw the others' rows committed, or collided with them and retried skipping conflicts).
            for round in 0..<5 {
                let batch = (0..<200).map { f.reading($0 % 2 == 0 ? f.temperature : f.ec, Int64(round * 300 + $0 / 2), 1) }
                let stored = try await withThrowingTaskGroup(of: [Reading].self) { group in
                    for _ in 0..<4 { group.addTask { try await f.telemetry.ingest(batch, siteID: f.site) } }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(stored.count == batch.count)
                #expect(Set(stored) == Set(batch))
            }
            let hours = try await f.telemetry.series(
                SeriesQuery(
                    streamID: f.ec.id,
                    siteID: f.site,
                    start: f.start,
                    end: f.start.addingTimeInterval(3_600),
                    resolution: .oneHour
                ),
                in: f.tenant.scope,
                page: .first
            )
            #expect(hours.items.map(\.aggregate.count) == [500])
        }
    }

    @Test func telemetryNotifiesStoredReadingsAtCommit() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            let notes = try await db.service.notifications(channel: ReadingNotification.channel)
            let readings = (0..<300).map { f.reading(f.temperature, Int64($0), Double($0 % 80)) }
            _ = try await f.telemetry.ingest(readings, siteID: f.site)
            _ = try await f.telemetry.ingest(readings, siteID: f.site)  // duplicates: nothing more is announced
            _ = try await f.telemetry.ingest([f.reading(f.ec, 1, 2)], siteID: f.site)
            var received: [Reading] = []
            for try await note in notes {
                received += try #require(ReadingNotification.decode(note.payload))
                if received.count >= readings.count + 1 { break }
            }
            #expect(received == readings + [f.reading(f.ec, 1, 2)])
        }
    }

    @Test func telemetryDeadLettersAndRetention() async throws {
        try await withMigratedDatabase { db in
            let f = try await TelemetryFixture.make(in: db)
            try await f.telemetry.deadLetter(
                DeadLetter(
                    siteID: f.site,
                    device: "dev",
                    source: .mqtt,
                    reason: "MALFORMED_PAYLOAD",
                    detail: "not protobuf",
                    payload: [0xff, 0x00]
                )
            )
            try await f.telemetry.deadLetter(
                DeadLetter(siteID: nil, device: "??", source: .mqtt, reason: "UNKNOWN_SITE", detail: "", payload: [])
            )
            let all = try await db.owner.query("SELECT reason FROM telemetry_dead_letters ORDER BY id")
            #expect(try all.map { try $0.decode("reason", as: String.self) } == ["MALFORMED_PAYLOAD", "UNKNOWN_SITE"])
            let visible = try await db.service.transaction(scope: f.tenant.scope) {
                try await $0.query("SELECT reason FROM telemetry_dead_letters")
            }
            #expect(visible.count == 1)

            // An old reading gets its own partition; retention drops it and its rollups.
            let old = Reading(
                streamID: f.temperature.id,
                siteID: f.site,
                time: Date().addingTimeInterval(-20 * 86_400),
                value: 10
            )
            _ = try await f.telemetry.ingest([old, f.reading(f.temperature, 0, 11)], siteID: f.site)
            let dropped = try await f.telemetry.applyRetention(
                raw: .seconds(10 * 86_400),
                rollups: .seconds(10 * 86_400)
            )
            #expect(dropped >= 1)
            let left = try await db.owner.query("SELECT value FROM sensor_readings")
            #expect(try left.map { try $0.decode("value", as: Double.self) } == [11])
            let rollups = try await db.owner.query("SELECT count(*) AS n FROM sensor_readings_1h")
            #expect(try rollups[0].decode("n", as: Int.self) == 1)
            // A later ingest into the dropped day recreates its partition.
            _ = try await f.telemetry.ingest([old], siteID: f.site)
        }
    }
}
