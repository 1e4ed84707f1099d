import Foundation

extension PostgresTelemetryRepository {
    /// The temporary staging table, created once per pooled connection and emptied at every commit.
    static let stagingColumns = ["ord", "stream_id", "ts", "micros", "value"]

    /// Opens the ingest transaction's work: the site scope (no organization, no user), hash joins only (the
    /// staging table has no statistics, and a nested loop over a batch would be quadratic), no JIT (a large batch
    /// pushed the plan's cost over `jit_above_cost`, and compiling took longer than running) and the staging table.
    static func stagingScript(site: UUID) -> String {
        """
        SELECT set_config('harvestry.organization_id', '', true), set_config('harvestry.user_id', '', true),
               set_config('harvestry.site_ids', '{\(site.uuidString.lowercased())}', true);
        SET LOCAL client_min_messages = warning;
        SET LOCAL enable_nestloop = off;
        SET LOCAL jit = off;
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
    /// Stored readings are found by looking up each staged stream ($3, a uuid[]) within its own staged time range
    /// ($4 to $5, bigint[]s of microseconds since the epoch, element by element), one index range per stream,
    /// with the daily partitions pruned per stream as the lookup runs (`OFFSET 0` keeps the lateral subquery a
    /// parameterized index scan: flattened, it became a hash join over a sequential scan of every partition,
    /// which `enable_nestloop = off` prefers); the rest is a plain INSERT: no speculative
    /// insertion per row. Each stream's own range, not the batch's: a merged batch can carry one device's replay of
    /// an hour-old spool beside live readings of other devices, and a range spanning both would read an hour of
    /// every live stream (an overloaded consumer's lanes drift apart the same way, which made each transaction
    /// slower the longer the backlog grew). A reading a concurrent transaction stores meanwhile makes it fail
    /// with a unique violation;
    /// `skippingConflicts` is the variant for that retry, `INSERT ... ON CONFLICT DO NOTHING RETURNING` ($3 to $5
    /// unused, so not bound).
    ///
    /// The 1-minute aggregates are computed once from the inserted rows; the 5-minute and 1-hour ones fold those
    /// (buckets nest: every width divides the next, all from the Unix epoch). Rollup rows are upserted in key
    /// order, so concurrent ingests of the same streams lock them in the same order. $1 site, $2 channel.
    static func moveStagedSQL(skippingConflicts: Bool) -> String {
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
        let move =
            skippingConflicts
            ? """
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
            """
            : """
            WITH existing AS (
                SELECT r.stream_id, stored.ts
                FROM unnest($3::uuid[], $4::bigint[], $5::bigint[]) AS r(stream_id, first_micros, last_micros)
                CROSS JOIN LATERAL (
                    SELECT ts FROM sensor_readings
                    WHERE stream_id = r.stream_id
                      AND ts >= \(epoch) + r.first_micros * interval '1 microsecond'
                      AND ts <= \(epoch) + r.last_micros * interval '1 microsecond'
                    OFFSET 0
                ) stored
            ),
            staged AS (
                SELECT s.ord, s.stream_id, s.ts, s.micros, s.value, e.stream_id IS NULL AS stored
                FROM telemetry_staging s LEFT JOIN existing e ON e.stream_id = s.stream_id AND e.ts = s.ts
            ),
            inserted AS (
                INSERT INTO sensor_readings (stream_id, site_id, ts, value)
                SELECT stream_id, $1::uuid, ts, value FROM staged WHERE stored
            ),
            """
        return move + """
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
    }

    static let moveStagedFast = Self.moveStagedSQL(skippingConflicts: false)
    static let moveStagedSkippingConflicts = Self.moveStagedSQL(skippingConflicts: true)
}
