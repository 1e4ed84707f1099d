import Domain
import Foundation

extension PostgresTelemetryRepository {
    /// Rollup tables and their bucket widths, finest first.
    static let rollupTables: [(table: String, width: String)] = [
        ("sensor_readings_1m", "1 minute"), ("sensor_readings_5m", "5 minutes"), ("sensor_readings_1h", "1 hour"),
    ]

    /// The temporary staging table, created once per pooled connection and emptied at every commit.
    static let stagingColumns = ["ord", "stream_id", "ts", "micros", "value"]

    /// Opens the ingest transaction's work: the site scope (no organization, no user), hash joins only (the
    /// staging table has no statistics, and a nested loop over a batch would be quadratic) and the staging table.
    static func stagingScript(site: UUID) -> String {
        """
        SELECT set_config('harvestry.organization_id', '', true), set_config('harvestry.user_id', '', true),
               set_config('harvestry.site_ids', '{\(site.uuidString.lowercased())}', true);
        SET LOCAL client_min_messages = warning;
        SET LOCAL enable_nestloop = off;
        CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (
            ord integer NOT NULL, stream_id uuid NOT NULL, ts timestamptz NOT NULL, micros bigint NOT NULL,
            value double precision NOT NULL
        ) ON COMMIT DELETE ROWS
        """
    }

    /// Readings per NOTIFY payload: an item is at most 83 bytes (`;` uuid `,` bigint `,` float8), so 90 items and
    /// the site stay under `ReadingNotification.maximumPayload`.
    static let readingsPerNotification = 90

    /// Moves the staged rows into sensor_readings (skipping stored ones), folds the inserted rows into the rollups,
    /// NOTIFYs them (`ReadingNotification` format, batch order) and returns one row per staged reading that was
    /// NOT inserted (`duplicate` = its ord) and one per staged stream that has alert rules (`ruled_stream`).
    ///
    /// The 1-minute aggregates are computed once from the inserted rows; the 5-minute and 1-hour ones fold those
    /// (buckets nest: every width divides the next, all from the Unix epoch). Rollup rows are upserted in key
    /// order, so concurrent ingests of the same streams lock them in the same order. $1 site, $2 channel.
    static let moveStagedSQL: String = {
        let epoch = "timestamptz '1970-01-01 00:00:00+00'"
        let upsert = """
            ON CONFLICT (stream_id, bucket) DO UPDATE SET
                min = least(r.min, excluded.min), max = greatest(r.max, excluded.max),
                sum = r.sum + excluded.sum, count = r.count + excluded.count,
                last = CASE WHEN (excluded.last_ts, excluded.last) > (r.last_ts, r.last)
                            THEN excluded.last ELSE r.last END,
                last_ts = greatest(r.last_ts, excluded.last_ts)
            """
        let columns = "(stream_id, site_id, bucket, min, max, sum, count, last_ts, last)"
        let coarser = Self.rollupTables.dropFirst().enumerated().map { index, rollup in
            """
            r\(index + 1) AS (
                INSERT INTO \(rollup.table) AS r \(columns)
                SELECT stream_id, $1::uuid, date_bin('\(rollup.width)', bucket, \(epoch)) AS b, min(min), max(max),
                       sum(sum), sum(count)::bigint, max(last_ts), (array_agg(last ORDER BY last_ts DESC, last DESC))[1]
                FROM minutes GROUP BY stream_id, b ORDER BY stream_id, b
                \(upsert)
            )
            """
        }
        return """
            WITH inserted AS (
                INSERT INTO sensor_readings (stream_id, site_id, ts, value)
                SELECT stream_id, $1::uuid, ts, value FROM telemetry_staging
                ON CONFLICT DO NOTHING
                RETURNING stream_id, ts
            ),
            staged AS (
                SELECT s.ord, s.stream_id, s.ts, s.micros, s.value, i.stream_id IS NOT NULL AS stored
                FROM telemetry_staging s LEFT JOIN inserted i ON i.stream_id = s.stream_id AND i.ts = s.ts
            ),
            minutes AS (
                SELECT stream_id, date_bin('\(Self.rollupTables[0].width)', ts, \(epoch)) AS bucket, min(value),
                       max(value), sum(value), count(*), max(ts) AS last_ts,
                       (array_agg(value ORDER BY ts DESC, value DESC))[1] AS last
                FROM staged WHERE stored GROUP BY stream_id, bucket
            ),
            r0 AS (
                INSERT INTO \(Self.rollupTables[0].table) AS r \(columns)
                SELECT stream_id, $1::uuid, bucket, min, max, sum, count, last_ts, last
                FROM minutes ORDER BY stream_id, bucket
                \(upsert)
            ),
            \(coarser.joined(separator: ",\n")),
            notified AS (
                SELECT count(pg_notify($2, payload)) AS payloads
                FROM (
                    SELECT $1::uuid::text || string_agg(item, '' ORDER BY ord) AS payload
                    FROM (
                        SELECT ord, ';' || stream_id::text || ',' || micros::text || ',' || value::text AS item,
                               (row_number() OVER (ORDER BY ord) - 1) / \(Self.readingsPerNotification) AS chunk
                        FROM staged WHERE stored
                    ) items
                    GROUP BY chunk
                ) chunks
            )
            SELECT ord AS duplicate, NULL::uuid AS ruled_stream FROM staged WHERE NOT stored
            UNION ALL
            SELECT DISTINCT NULL::integer, stream_id FROM alert_rules
            WHERE stream_id IN (SELECT stream_id FROM telemetry_staging)
            UNION ALL
            SELECT NULL::integer, NULL::uuid FROM notified WHERE payloads < 0
            """
    }()

    public func ingest(_ readings: [Reading], siteID: UUID) async throws -> [Reading] {
        guard !readings.isEmpty else { return [] }
        guard readings.allSatisfy({ $0.siteID == siteID }) else {
            throw DomainError.invalid("batch.readings", "every reading must belong to the batch's site")
        }
        // First occurrences only: the statement tells stored from skipped rows by (stream, ts).
        var seen = Set<BucketKey>(minimumCapacity: readings.count)
        let staged = readings.filter { seen.insert(BucketKey(streamID: $0.streamID, startMicros: $0.micros)).inserted }
        try await self.ensurePartitions(for: staged)
        var rows = BinaryCopyRows(columns: Self.stagingColumns.count, capacity: staged.count, bytesPerRow: 70)
        for (index, reading) in staged.enumerated() {
            rows.startRow()
            rows.append(Int32(index))
            rows.append(reading.streamID)
            rows.appendTimestamp(micros: reading.micros)
            rows.append(reading.micros)
            rows.append(reading.value)
        }
        let result = try await mappingErrors(resource: "reading", table: "sensor_readings") {
            try await self.retryingConflicts {
                try await self.client.transaction { connection in
                    try await connection.script(Self.stagingScript(site: siteID))
                    try await connection.copyFrom(table: "telemetry_staging", columns: Self.stagingColumns, binary: rows)
                    return try await connection.query(
                        Self.moveStagedSQL,
                        [SQLValue(siteID), SQLValue(ReadingNotification.channel)]
                    )
                }
            }
        }
        var skipped = Set<Int>()
        var ruled = Set<UUID>()
        for row in result {
            if let ord: Int = try row.decode("duplicate") { skipped.insert(ord) }
            if let stream: UUID = try row.decode("ruled_stream") { ruled.insert(stream) }
        }
        self.ruleHints.record(streams: Set(staged.map(\.streamID)), withRules: ruled)
        guard !skipped.isEmpty else { return staged }
        return staged.enumerated().compactMap { skipped.contains($0.offset) ? nil : $0.element }
    }

    /// Creates the daily partitions the readings need that this instance has not seen yet.
    func ensurePartitions(for readings: [Reading]) async throws {
        let missing = self.partitions.missing(Set(readings.map { PartitionDays.day($0.micros) }))
        guard let first = missing.min(), let last = missing.max() else { return }
        try await mappingErrors(resource: "reading", table: "sensor_readings") {
            _ = try await self.client.query(
                "SELECT harvestry_ensure_reading_partitions($1, $2)",
                [
                    SQLValue(Date(timeIntervalSince1970: Double(first) * 86_400)),
                    SQLValue(Date(timeIntervalSince1970: Double(last) * 86_400)),
                ]
            )
        }
        self.partitions.remember(Set(first...last))
    }

    /// Runs `body` again (up to 3 times) when Postgres aborted it for a deadlock or a serialization failure.
    func retryingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as PostgresError where ["40P01", "40001"].contains(error.sqlState) && attempt < 3 {
                attempt += 1
            }
        }
    }
}

extension PostgresTelemetryRepository {
    /// Creates the daily partitions for `days` days from `start` ahead of the readings (the maintenance loop
    /// keeps the next days ready so ingest rarely creates one itself); returns how many were created.
    @discardableResult
    public func preparePartitions(from start: Date = Date(), days: Int = 3) async throws -> Int {
        let rows = try await self.client.query(
            "SELECT harvestry_ensure_reading_partitions($1, $2) AS created",
            [SQLValue(start), SQLValue(start.addingTimeInterval(Double(max(days - 1, 0)) * 86_400))]
        )
        return try rows[0].decode("created")
    }
}
