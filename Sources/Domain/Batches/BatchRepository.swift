import Foundation

/// Batches and their phase changes, under the caller's scope (row-level security).
public protocol BatchRepository: Sendable {
    /// One batch; NOT_FOUND when it does not exist or is outside the scope.
    func batch(_ id: UUID, in scope: AccessScope) async throws -> Batch
    /// A site's batches in code order, optionally only those in `phase` or `roomID`.
    func listBatches(
        siteID: UUID,
        phase: BatchPhase?,
        roomID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<Batch>
    /// Changes the batch's phase: locks the batch, checks `BatchPhase.transition(to:)` (and, when given, that the
    /// batch is still in `expected`: ABORTED `PHASE_CHANGED_CONCURRENTLY` otherwise), updates the phase and records
    /// the change and its audit row (`batch.phase_change`) in one transaction.
    func changePhase(
        _ id: UUID,
        to phase: BatchPhase,
        expected: BatchPhase?,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> (batch: Batch, change: BatchPhaseChange)
    /// A batch's recorded phase changes, newest first.
    func phaseChanges(batchID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<BatchPhaseChange>
}
