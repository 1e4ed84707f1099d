import Domain
import Foundation

extension PostgresTelemetryRepository {
    /// Rollup tables and their bucket widths, finest first.
    static let rollupTables: [(table: String, width: String)] = [
        ("sensor_readings_1m", "1 minute"), ("sensor_readings_5m", "5 minutes"), ("sensor_readings_1h", "1 hour"),
    ]

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
        let streams = StagedRanges(staged)
        let result = try await mappingErrors(resource: "reading", table: "sensor_readings") {
            do {
                return try await self.move(rows, siteID: siteID, streams: streams)
            } catch let error as PostgresError where error.sqlState == "23505" {
                // A concurrent transaction stored one of the readings after the lookup: skip it this time.
                return try await self.move(rows, siteID: siteID, streams: nil)
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

    /// One ingest transaction: the staged rows moved by `moveStagedFast` (`streams`: each staged stream's time
    /// range) or, with nil, by `moveStagedSkippingConflicts`.
    func move(_ rows: BinaryCopyRows, siteID: UUID, streams: StagedRanges?) async throws -> PostgresRows {
        try await self.retryingConflicts {
            try await self.client.transaction { connection in
                try await connection.script(Self.stagingScript(site: siteID))
                try await connection.copyFrom(table: "telemetry_staging", columns: Self.stagingColumns, binary: rows)
                // Prepared: the statement is planned from the session's plan cache instead of for every batch.
                if let streams {
                    return try await connection.query(
                        prepared: "harvestry_move_staged_readings",
                        Self.moveStagedFast,
                        [
                            SQLValue(siteID), SQLValue(ReadingNotification.channel), SQLValue(streams.streamList),
                            SQLValue(streams.firstList), SQLValue(streams.lastList),
                        ]
                    )
                }
                return try await connection.query(
                    prepared: "harvestry_move_staged_readings_skipping_conflicts",
                    Self.moveStagedSkippingConflicts,
                    [SQLValue(siteID), SQLValue(ReadingNotification.channel)]
                )
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
