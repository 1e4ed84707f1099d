import Domain
import Foundation
import Synchronization

/// `TelemetryRepository` on Postgres (migration 0005). Give it a client that connects as `harvestry_service`.
///
/// Ingest: missing daily partitions are created first in a short transaction of their own (the days this instance
/// has already ensured are remembered), then one transaction binary-COPYs the batch into a temporary staging table
/// and runs one statement that moves it into `sensor_readings` with `ON CONFLICT DO NOTHING`, folds exactly the
/// inserted rows into the three rollup tables, NOTIFYs `ReadingNotification.channel` with them and reports the
/// skipped rows and the streams with alert rules; the notifications go out at COMMIT, so a subscriber never sees a
/// reading that was rolled back.
public struct PostgresTelemetryRepository: TelemetryRepository {
    public let client: PostgresClient
    let partitions: PartitionDays
    let ruleHints: AlertRuleHints

    public init(client: PostgresClient) {
        self.client = client
        self.partitions = PartitionDays()
        self.ruleHints = AlertRuleHints()
    }

    static let streamColumns = """
        s.id, s.site_id, s.equipment_id, s.key, s.stream_type, s.display_name, s.created_at, e.zone_id
        """

    static func decodeStream(_ row: PostgresRow) throws -> SensorStream {
        let type: String = try row.decode("stream_type")
        return SensorStream(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            deviceID: try row.decode("equipment_id"),
            key: try row.decode("key"),
            type: StreamType(rawValue: type) ?? .temperature,
            displayName: try row.decode("display_name"),
            zoneID: try row.decode("zone_id"),
            createdAt: try row.decode("created_at")
        )
    }

    public func createStream(
        _ stream: NewSensorStream,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> SensorStream {
        try stream.validate()
        try audit.validate()
        try scope.require(site: stream.siteID)
        return try await mappingErrors(resource: "stream", table: "sensor_streams") {
            try await self.client.transaction(scope: scope) { connection in
                let inserted = try await connection.query(
                    """
                    INSERT INTO sensor_streams (site_id, equipment_id, key, stream_type, unit, display_name)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6) RETURNING id
                    """,
                    [
                        SQLValue(stream.siteID), SQLValue(stream.deviceID), SQLValue(stream.key),
                        SQLValue(stream.type.rawValue), SQLValue(stream.type.canonicalUnit.rawValue),
                        SQLValue(stream.displayName),
                    ]
                )
                let id: UUID = try inserted[0].decode("id")
                _ = try await connection.audit(
                    "stream.create",
                    resourceType: "sensor_stream",
                    resourceID: id.uuidString.lowercased(),
                    siteID: stream.siteID,
                    details: ["key": stream.key, "type": stream.type.rawValue],
                    scope: scope,
                    context: audit
                )
                return try await Self.fetchStream(id, connection)
            }
        }
    }

    static func fetchStream(_ id: UUID, _ connection: PostgresConnection) async throws -> SensorStream {
        let rows = try await connection.query(
            """
            SELECT \(Self.streamColumns) FROM sensor_streams s JOIN equipment e ON e.id = s.equipment_id
            WHERE s.id = $1::uuid
            """,
            [SQLValue(id)]
        )
        guard let row = rows.first else { throw DomainError.notFound("stream", id: id.uuidString.lowercased()) }
        return try Self.decodeStream(row)
    }

    public func stream(_ id: UUID, in scope: AccessScope) async throws -> SensorStream {
        try await mappingErrors(resource: "stream", table: "sensor_streams") {
            try await self.client.transaction(scope: scope) { try await Self.fetchStream(id, $0) }
        }
    }

    public func listStreams(
        siteID: UUID,
        deviceID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<SensorStream> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 2)
        let afterDevice = try after.map { try PageCursor.uuid($0[0]) }
        return try await mappingErrors(resource: "stream", table: "sensor_streams") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.streamColumns) FROM sensor_streams s JOIN equipment e ON e.id = s.equipment_id
                    WHERE s.site_id = $1::uuid AND ($2::uuid IS NULL OR s.equipment_id = $2::uuid)
                      AND ($3::uuid IS NULL OR (s.equipment_id, s.key) > ($3::uuid, $4::text))
                    ORDER BY s.equipment_id, s.key LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(deviceID), SQLValue(afterDevice), SQLValue(after?[1]),
                        SQLValue(page.size + 1),
                    ]
                )
                return PageCursor.page(try rows.map(Self.decodeStream), size: page.size) {
                    [$0.deviceID.uuidString.lowercased(), $0.key]
                }
            }
        }
    }

    public func deviceStreams(deviceID: UUID, siteID: UUID) async throws -> [SensorStream] {
        try await mappingErrors(resource: "stream", table: "sensor_streams") {
            try await self.client.transaction { connection in
                try await connection.setScope(organizationID: nil, userID: nil, siteIDs: [siteID])
                let rows = try await connection.query(
                    """
                    SELECT e.id AS device, s.id, s.site_id, s.equipment_id, s.key, s.stream_type, s.display_name,
                           s.created_at, e.zone_id
                    FROM equipment e LEFT JOIN sensor_streams s ON s.equipment_id = e.id
                    WHERE e.id = $1::uuid AND e.site_id = $2::uuid
                    """,
                    [SQLValue(deviceID), SQLValue(siteID)]
                )
                guard !rows.isEmpty else { throw DomainError.notFound("device", id: deviceID.uuidString.lowercased()) }
                return try rows.compactMap { row in
                    let id: UUID? = try row.decode("id")
                    return id == nil ? nil : try Self.decodeStream(row)
                }
            }
        }
    }

    public func deviceSite(deviceID: UUID, in scope: AccessScope) async throws -> UUID {
        try await mappingErrors(resource: "device", table: "equipment") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    "SELECT site_id FROM equipment WHERE id = $1::uuid",
                    [SQLValue(deviceID)]
                )
                guard let row = rows.first else {
                    throw DomainError.notFound("device", id: deviceID.uuidString.lowercased())
                }
                return try row.decode("site_id")
            }
        }
    }

    public func deadLetter(_ letter: DeadLetter) async throws {
        try await mappingErrors(resource: "dead letter", table: "telemetry_dead_letters") {
            _ = try await self.client.query(
                "SELECT harvestry_dead_letter($1::uuid, $2, $3, $4, $5, $6)",
                [
                    SQLValue(letter.siteID), SQLValue(letter.device), SQLValue(letter.source.rawValue),
                    SQLValue(letter.reason), SQLValue(letter.detail), SQLValue(letter.payload),
                ]
            )
        }
    }

    /// Drops raw partitions older than `raw` and rollup buckets older than `rollups`; returns the partitions
    /// dropped. Run it from a maintenance loop (`TelemetryMaintenance`).
    public func applyRetention(raw: Duration, rollups: Duration, now: Date = Date()) async throws -> Int {
        let rows = try await self.client.query(
            "SELECT harvestry_telemetry_retention($1, $2) AS dropped",
            [
                SQLValue(now.addingTimeInterval(-Double(raw.components.seconds))),
                SQLValue(now.addingTimeInterval(-Double(rollups.components.seconds))),
            ]
        )
        self.partitions.forgetAll()
        return try rows[0].decode("dropped")
    }
}

/// The UTC days (since the epoch) whose `sensor_readings` partition this instance knows exists.
final class PartitionDays: Sendable {
    private let days = Mutex<Set<Int64>>([])

    static func day(_ micros: Int64) -> Int64 {
        RollupAggregate.bucketStart(micros, width: 86_400_000_000) / 86_400_000_000
    }

    func missing(_ days: Set<Int64>) -> Set<Int64> { self.days.withLock { days.subtracting($0) } }
    func remember(_ days: Set<Int64>) { self.days.withLock { $0.formUnion(days) } }
    func forgetAll() { self.days.withLock { $0.removeAll() } }
}
