import Domain
import Foundation

/// The outcome of verifying every audit chain.
public struct AuditVerificationReport: Sendable, Hashable {
    public var chains: Int
    public var rows: Int
    /// The first row that does not verify; nil when every chain verified.
    public var fault: AuditFault?
}

/// Progress of a verification: which chain, how many of its rows are done.
public struct AuditVerificationProgress: Sendable, Hashable {
    public var chainID: UUID
    public var chainIndex: Int
    public var chainCount: Int
    public var verifiedRows: Int
    public var totalRows: Int
}

/// Recomputes every audit chain in Swift from the stored rows, independently of the hashes the writers computed.
/// Run it as the owner (or any role that may read every chain): under a scope it would only see that scope's chains.
public struct AuditVerifier: Sendable {
    public var batchSize: Int

    public init(batchSize: Int = 2000) { self.batchSize = max(1, batchSize) }

    /// Walks each chain in seq order in batches; stops at the first fault. `progress` is called after every batch.
    public func verify(
        _ client: PostgresClient,
        progress: @Sendable (AuditVerificationProgress) -> Void = { _ in }
    ) async throws -> AuditVerificationReport {
        try await client.withConnection { connection in
            // One snapshot for the whole walk, so concurrent appends do not look like a head mismatch.
            try await connection.transaction { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try await self.verifyAll(connection, progress: progress)
            }
        }
    }

    private func verifyAll(
        _ connection: PostgresConnection,
        progress: @Sendable (AuditVerificationProgress) -> Void
    ) async throws -> AuditVerificationReport {
        let heads = try await connection.query(
            """
            SELECT h.chain_id, h.seq, h.row_hash, (SELECT count(*) FROM audit_logs l WHERE l.chain_id = h.chain_id) AS n
            FROM audit_chain_heads h ORDER BY h.chain_id
            """
        )
        var rows = 0
        for (index, head) in heads.enumerated() {
            let chainID = try head.decode("chain_id", as: UUID.self)
            let total = try head.decode("n", as: Int.self)
            var verifier = AuditChainVerifier(chainID: chainID)
            var after: Int64 = 0
            while true {
                let batch = try await connection.query(
                    """
                    SELECT \(AuditEntry.columns) FROM audit_logs
                    WHERE chain_id = $1::uuid AND seq > $2 ORDER BY seq LIMIT $3
                    """,
                    [SQLValue(chainID), SQLValue(after), SQLValue(self.batchSize)]
                )
                for row in batch {
                    let entry = try AuditEntry(row: row)
                    if let fault = verifier.check(entry) {
                        return AuditVerificationReport(chains: index + 1, rows: rows + verifier.verified, fault: fault)
                    }
                    after = entry.seq
                }
                progress(
                    AuditVerificationProgress(
                        chainID: chainID,
                        chainIndex: index,
                        chainCount: heads.count,
                        verifiedRows: verifier.verified,
                        totalRows: total
                    )
                )
                if batch.count < self.batchSize { break }
            }
            if let fault = verifier.finish(
                headSeq: try head.decode("seq", as: Int64.self),
                headHash: try head.decode("row_hash", as: [UInt8].self)
            ) {
                return AuditVerificationReport(chains: index + 1, rows: rows + verifier.verified, fault: fault)
            }
            rows += verifier.verified
        }
        return AuditVerificationReport(chains: heads.count, rows: rows, fault: nil)
    }
}
