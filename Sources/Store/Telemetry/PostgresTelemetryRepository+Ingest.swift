import Domain
import Foundation

extension PostgresTelemetryRepository {
    /// Rollup tables and their bucket widths, finest first.
    static let rollupTables: [(table: String, width: String)] = [
        ("sensor_readings_1m", "1 minute"), ("sensor_readings_5m", "5 minutes"), ("sensor_readings_1h", "1 hour"),
    ]

    /// Moves the staged rows into sensor_readings (skipping stored ones) and folds the inserted rows into every
    /// rollup table; returns the inserted rows. Rollup rows are upserted in key order, so concurrent ingests of
    /// the same streams lock them in the same order.
    static let moveStagedSQL: String = {
        let rollups = Self.rollupTables.enumerated().map { index, rollup in
            """
            r\(index) AS (
                INSERT INTO \(rollup.table) AS r (stream_id, site_id, bucket, min, max, sum, count, last_ts, last)
                SELECT stream_id, site_id, date_bin('\(rollup.width)', ts, timestamptz '1970-01-01 00:00:00+00') AS b,
                       min(value), max(value), sum(value), count(*), max(ts),
                       (array_agg(value ORDER BY ts DESC, value DESC))[1]
                FROM inserted GROUP BY stream_id, site_id, b ORDER BY stream_id, b
                ON CONFLICT (stream_id, bucket) DO UPDATE SET
                    min = least(r.min, excluded.min), max = greatest(r.max, excluded.max),
                    sum = r.sum + excluded.sum, count = r.count + excluded.count,
                    last = CASE WHEN (excluded.last_ts, excluded.last) > (r.last_ts, r.last)
                                THEN excluded.last ELSE r.last END,
                    last_ts = greatest(r.last_ts, excluded.last_ts)
            )
            """
        }
        return """
            WITH inserted AS (
                INSERT INTO sensor_readings (stream_id, site_id, ts, value)
                SELECT stream_id, site_id, timestamptz '1970-01-01 00:00:00+00' + micros * interval '1 microsecond', value
                FROM telemetry_staging
                ON CONFLICT DO NOTHING
                RETURNING stream_id, site_id, ts, value
            ),
            \(rollups.joined(separator: ",\n"))
            SELECT stream_id, (extract(epoch FROM ts) * 1000000)::bigint AS micros, value FROM inserted
            """
    }()

    public func ingest(_ readings: [Reading], siteID: UUID) async throws -> [Reading] {
        guard !readings.isEmpty else { return [] }
        guard readings.allSatisfy({ $0.siteID == siteID }) else {
            throw DomainError.invalid("batch.readings", "every reading must belong to the batch's site")
        }
        try await self.ensurePartitions(for: readings)
        return try await mappingErrors(resource: "reading", table: "sensor_readings") {
            try await self.retryingConflicts {
                try await self.client.transaction { connection in
                    try await connection.setScope(organizationID: nil, userID: nil, siteIDs: [siteID])
                    // The staging table lives as long as the pooled connection and empties at every commit.
                    try await connection.script(
                        """
                        SET LOCAL client_min_messages = warning;
                        CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (
                            stream_id uuid NOT NULL, site_id uuid NOT NULL, micros bigint NOT NULL,
                            value double precision NOT NULL
                        ) ON COMMIT DELETE ROWS
                        """
                    )
                    try await connection.copyFrom(
                        table: "telemetry_staging",
                        columns: ["stream_id", "site_id", "micros", "value"],
                        rows: readings.map {
                            [SQLValue($0.streamID), SQLValue($0.siteID), SQLValue($0.micros), SQLValue($0.value)]
                        }
                    )
                    let rows = try await connection.query(Self.moveStagedSQL)
                    let inserted = try rows.map { row in
                        Reading(
                            streamID: try row.decode("stream_id"),
                            siteID: siteID,
                            micros: try row.decode("micros"),
                            value: try row.decode("value")
                        )
                    }
                    // One round trip for every payload; they hold only hex, digits, ',', ';', '.', '-', '+' and
                    // letters, so quoting each element is enough for the array literal.
                    let payloads = ReadingNotification.encode(inserted, siteID: siteID)
                    if !payloads.isEmpty {
                        try await connection.query(
                            "SELECT count(pg_notify($1, payload)) FROM unnest($2::text[]) AS payload",
                            [
                                SQLValue(ReadingNotification.channel),
                                SQLValue("{" + payloads.map { "\"" + $0 + "\"" }.joined(separator: ",") + "}"),
                            ]
                        )
                    }
                    return inserted
                }
            }
        }
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

    public func series(
        _ query: SeriesQuery,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<SeriesPoint>
    {
        try query.validate()
        try scope.require(site: query.siteID)
        let after = try PageCursor.decode(page.token, parts: 1).map { key -> Int64 in
            guard let micros = Int64(key[0]) else {
                throw DomainError.invalid("page_token", "is not a page token this query issued")
            }
            return micros
        }
        let epoch = "timestamptz '1970-01-01 00:00:00+00' + $4::bigint * interval '1 microsecond'"
        let sql: String
        if let table = Self.rollupTables.first(where: { $0.table.hasSuffix("_" + query.resolution.rawValue) })?.table,
            query.resolution != .raw
        {
            sql = """
                SELECT (extract(epoch FROM bucket) * 1000000)::bigint AS micros, min, max, sum, count,
                       (extract(epoch FROM last_ts) * 1000000)::bigint AS last_micros, last
                FROM \(table)
                WHERE stream_id = $1::uuid AND bucket >= $2 AND bucket < $3 AND ($4::bigint IS NULL OR bucket > \(epoch))
                ORDER BY bucket LIMIT $5
                """
        } else {
            sql = """
                SELECT (extract(epoch FROM ts) * 1000000)::bigint AS micros, value AS min, value AS max,
                       value AS sum, 1::bigint AS count, (extract(epoch FROM ts) * 1000000)::bigint AS last_micros,
                       value AS last
                FROM sensor_readings
                WHERE stream_id = $1::uuid AND ts >= $2 AND ts < $3 AND ($4::bigint IS NULL OR ts > \(epoch))
                ORDER BY ts LIMIT $5
                """
        }
        return try await mappingErrors(resource: "stream", table: "sensor_readings") {
            try await self.client.transaction(scope: scope) { connection in
                let stream = try await Self.fetchStream(query.streamID, connection)
                guard stream.siteID == query.siteID else {
                    throw DomainError.notFound("stream", id: query.streamID.uuidString.lowercased())
                }
                let rows = try await connection.query(
                    sql,
                    [
                        SQLValue(query.streamID), SQLValue(query.start), SQLValue(query.end), SQLValue(after),
                        SQLValue(page.size + 1),
                    ]
                )
                let points = try rows.map { row in
                    let micros: Int64 = try row.decode("micros")
                    return SeriesPoint(
                        time: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
                        aggregate: RollupAggregate(
                            min: try row.decode("min"),
                            max: try row.decode("max"),
                            sum: try row.decode("sum"),
                            count: try row.decode("count"),
                            lastMicros: try row.decode("last_micros"),
                            last: try row.decode("last")
                        )
                    )
                }
                return PageCursor.page(points, size: page.size) { [String(Reading.micros($0.time))] }
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
