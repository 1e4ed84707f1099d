import Domain
import Foundation

extension PostgresTelemetryRepository {
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
