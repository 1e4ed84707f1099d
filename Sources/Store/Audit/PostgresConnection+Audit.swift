import Domain
import Foundation

extension PostgresConnection {
    /// Appends `event` to its chain (its site's, or its organization's) inside the caller's transaction: locks the
    /// chain head (creating it at seq 0 on first use), hashes the row after the head's hash, inserts it and advances
    /// the head. Concurrent appenders to one chain wait for each other's commit at the lock, so seqs never fork.
    /// Two round trips: the upsert both creates and locks the head (ON CONFLICT DO UPDATE takes the row lock and
    /// returns the current values), and one statement inserts the row and advances the head.
    @discardableResult
    public func appendAudit(_ event: AuditEvent) async throws -> AuditEntry {
        let chainID = event.chainID
        let head = try await self.query(
            """
            INSERT INTO audit_chain_heads AS h (chain_id, organization_id, site_id, seq, row_hash)
            VALUES ($1::uuid, $2::uuid, $3::uuid, 0, $4)
            ON CONFLICT (chain_id) DO UPDATE SET seq = h.seq
            RETURNING h.seq, h.row_hash
            """,
            [
                SQLValue(chainID), SQLValue(event.organizationID), SQLValue(event.siteID),
                SQLValue(AuditChain.genesisHash),
            ]
        )
        guard let row = head.first else {
            throw PostgresError(code: .query, message: "audit chain head \(chainID) is not visible in this scope")
        }
        let entry = AuditChain.append(
            event,
            afterSeq: try row.decode("seq", as: Int64.self),
            hash: try row.decode("row_hash", as: [UInt8].self)
        )
        try await self.query(
            """
            WITH appended AS (
                INSERT INTO audit_logs (chain_id, seq, organization_id, site_id, actor_user_id, action, resource_type,
                    resource_id, request_id, details, occurred_at, prev_hash, row_hash)
                VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8, $9, $10,
                    'epoch'::timestamptz + $11::bigint * interval '1 microsecond', $12, $13)
                RETURNING seq, row_hash
            )
            UPDATE audit_chain_heads SET seq = appended.seq, row_hash = appended.row_hash
            FROM appended WHERE chain_id = $1::uuid
            """,
            [
                SQLValue(chainID), SQLValue(entry.seq), SQLValue(event.organizationID), SQLValue(event.siteID),
                SQLValue(event.actorUserID), SQLValue(event.action), SQLValue(event.resourceType),
                SQLValue(event.resourceID), SQLValue(event.requestID), SQLValue(event.details),
                SQLValue(event.occurredAtMicros), SQLValue(entry.prevHash), SQLValue(entry.rowHash),
            ]
        )
        return entry
    }

    /// Appends the audit row of a mutation made under `scope`: actor, organization and request id come from the
    /// scope and context, and the context's note and witness join `details`.
    @discardableResult
    func audit(
        _ action: String,
        resourceType: String,
        resourceID: String,
        siteID: UUID?,
        details: [String: String] = [:],
        scope: AccessScope,
        context: AuditContext
    ) async throws -> AuditEntry {
        var details = details
        if let note = context.note { details["note"] = note }
        if let witness = context.witnessUserID { details["witness_user_id"] = witness.uuidString.lowercased() }
        return try await self.appendAudit(
            AuditEvent(
                organizationID: scope.organizationID,
                siteID: siteID,
                actorUserID: scope.userID,
                action: action,
                resourceType: resourceType,
                resourceID: resourceID,
                requestID: context.requestID,
                details: AuditEvent.details(details),
                occurredAtMicros: AuditEvent.nowMicros()
            )
        )
    }
}

extension AuditEntry {
    /// Decodes a row selected with `AuditEntry.columns`.
    init(row: PostgresRow) throws {
        let chainID = try row.decode("chain_id", as: UUID.self)
        self.init(
            chainID: chainID,
            seq: try row.decode("seq"),
            event: AuditEvent(
                organizationID: try row.decode("organization_id"),
                siteID: try row.decode("site_id"),
                actorUserID: try row.decode("actor_user_id"),
                action: try row.decode("action"),
                resourceType: try row.decode("resource_type"),
                resourceID: try row.decode("resource_id"),
                requestID: try row.decode("request_id"),
                details: try row.decode("details"),
                occurredAtMicros: try row.decode("occurred_us")
            ),
            prevHash: try row.decode("prev_hash"),
            rowHash: try row.decode("row_hash")
        )
    }

    /// The select list `init(row:)` reads; occurred_at as exact microseconds.
    static let columns = """
        chain_id, seq, organization_id, site_id, actor_user_id, action, resource_type, resource_id, request_id,
        details, (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_us, prev_hash, row_hash
        """
}
