import Domain
import Foundation

/// `BatchRepository` on Postgres (migrations 0002 and 0014). Give it a client that connects as `harvestry_service`.
///
/// A phase change locks the batch row (`FOR UPDATE`), so two concurrent changes of one batch are serialized and the
/// second is checked against the first's result; the phase update, the `batch_phase_changes` row and the audit row
/// commit together or not at all.
public struct PostgresBatchRepository: BatchRepository {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    public func batch(_ id: UUID, in scope: AccessScope) async throws -> Batch {
        try await mappingErrors(resource: "batch", table: "batches") {
            try await self.client.transaction(scope: scope) { connection in
                try await Self.fetch(id, lock: false, connection)
            }
        }
    }

    public func listBatches(
        siteID: UUID,
        phase: BatchPhase?,
        roomID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Batch> {
        try scope.require(site: siteID)
        let after = try PageCursor.decode(page.token, parts: 1)?[0]
        return try await mappingErrors(resource: "batch", table: "batches") {
            try await self.client.transaction(scope: scope) { connection in
                let rows = try await connection.query(
                    """
                    SELECT \(Self.columns) FROM batches b JOIN strains s ON s.id = b.strain_id
                    WHERE b.site_id = $1::uuid AND ($2::text IS NULL OR b.phase = $2)
                      AND ($3::uuid IS NULL OR b.room_id = $3::uuid) AND ($4::text IS NULL OR b.code > $4)
                    ORDER BY b.code LIMIT $5
                    """,
                    [
                        SQLValue(siteID), SQLValue(phase?.rawValue), SQLValue(roomID), SQLValue(after),
                        SQLValue(page.size + 1),
                    ]
                )
                let batches = try rows.prefix(page.size).map(Self.decode)
                let next = rows.count > page.size ? batches.last.map { PageCursor.encode([$0.code]) } : nil
                return Page(items: batches, nextToken: next)
            }
        }
    }

    public func changePhase(
        _ id: UUID,
        to phase: BatchPhase,
        expected: BatchPhase?,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> (batch: Batch, change: BatchPhaseChange) {
        try audit.validate()
        return try await mappingErrors(resource: "batch", table: "batches") {
            try await self.client.transaction(scope: scope) { connection in
                var batch = try await Self.fetch(id, lock: true, connection)
                if let expected, expected != batch.phase {
                    throw DomainError(
                        code: .aborted,
                        message: "the batch is in phase \(batch.phase.rawValue), not \(expected.rawValue)",
                        reason: "PHASE_CHANGED_CONCURRENTLY",
                        metadata: ["expected_phase": expected.rawValue, "phase": batch.phase.rawValue]
                    )
                }
                let from = batch.phase
                batch.phase = try from.transition(to: phase)
                try await connection.query(
                    "UPDATE batches SET phase = $2 WHERE id = $1::uuid",
                    [SQLValue(id), SQLValue(phase.rawValue)]
                )
                let rows = try await connection.query(
                    """
                    INSERT INTO batch_phase_changes (site_id, batch_id, room_id, from_phase, to_phase, changed_by, note)
                    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::uuid, $7)
                    RETURNING \(Self.changeColumns)
                    """,
                    [
                        SQLValue(batch.siteID), SQLValue(id), SQLValue(batch.roomID), SQLValue(from.rawValue),
                        SQLValue(phase.rawValue), SQLValue(scope.userID), SQLValue(audit.note),
                    ]
                )
                let change = try Self.decodeChange(rows[0])
                var details = [
                    "code": batch.code, "from": from.rawValue, "to": phase.rawValue,
                    "phase_change_id": change.id.uuidString.lowercased(),
                ]
                if let room = batch.roomID { details["room_id"] = room.uuidString.lowercased() }
                try await connection.audit(
                    "batch.phase_change",
                    resourceType: "batch",
                    resourceID: id.uuidString.lowercased(),
                    siteID: batch.siteID,
                    details: details,
                    scope: scope,
                    context: audit
                )
                return (batch, change)
            }
        }
    }

    public func phaseChanges(
        batchID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<BatchPhaseChange> {
        let before = try PageCursor.decode(page.token, parts: 1).map { key -> Int64 in
            guard let seq = Int64(key[0]) else { throw DomainError.invalid("page_token", "is not a page token") }
            return seq
        }
        return try await mappingErrors(resource: "batch", table: "batch_phase_changes") {
            try await self.client.transaction(scope: scope) { connection in
                _ = try await Self.fetch(batchID, lock: false, connection)
                let rows = try await connection.query(
                    """
                    SELECT \(Self.changeColumns), seq FROM batch_phase_changes
                    WHERE batch_id = $1::uuid AND ($2::bigint IS NULL OR seq < $2::bigint)
                    ORDER BY seq DESC LIMIT $3
                    """,
                    [SQLValue(batchID), SQLValue(before), SQLValue(page.size + 1)]
                )
                let changes = try rows.prefix(page.size).map(Self.decodeChange)
                let next =
                    rows.count > page.size
                    ? PageCursor.encode([String(try rows[page.size - 1].decode("seq", as: Int64.self))]) : nil
                return Page(items: changes, nextToken: next)
            }
        }
    }

    // MARK: - Rows

    static let columns = """
        b.id, b.site_id, b.code, b.strain_id, s.name AS strain_name, b.room_id, b.phase, b.plant_count, b.started_at,
        b.created_at
        """

    static let changeColumns = "id, site_id, batch_id, room_id, from_phase, to_phase, changed_by, changed_at, note"

    private static func fetch(_ id: UUID, lock: Bool, _ connection: PostgresConnection) async throws -> Batch {
        let rows = try await connection.query(
            """
            SELECT \(Self.columns) FROM batches b JOIN strains s ON s.id = b.strain_id WHERE b.id = $1::uuid
            \(lock ? "FOR UPDATE OF b" : "")
            """,
            [SQLValue(id)]
        )
        guard let row = rows.first else { throw DomainError.notFound("batch", id: id.uuidString.lowercased()) }
        return try Self.decode(row)
    }

    static func decode(_ row: PostgresRow) throws -> Batch {
        Batch(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            code: try row.decode("code"),
            strainID: try row.decode("strain_id"),
            strainName: try row.decode("strain_name"),
            roomID: try row.decode("room_id"),
            phase: try BatchPhase.parse(try row.decode("phase"), field: "batches.phase"),
            plantCount: try row.decode("plant_count"),
            startedAt: try row.decode("started_at"),
            createdAt: try row.decode("created_at")
        )
    }

    static func decodeChange(_ row: PostgresRow) throws -> BatchPhaseChange {
        BatchPhaseChange(
            id: try row.decode("id"),
            siteID: try row.decode("site_id"),
            batchID: try row.decode("batch_id"),
            roomID: try row.decode("room_id"),
            from: try BatchPhase.parse(try row.decode("from_phase"), field: "batch_phase_changes.from_phase"),
            to: try BatchPhase.parse(try row.decode("to_phase"), field: "batch_phase_changes.to_phase"),
            changedBy: try row.decode("changed_by"),
            changedAt: try row.decode("changed_at"),
            note: try row.decode("note")
        )
    }
}
