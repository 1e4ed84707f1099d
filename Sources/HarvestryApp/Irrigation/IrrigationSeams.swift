import Domain
import Foundation

/// What IrrigationService asks of the run engine. Every run transition that issues commands goes through it, so the
/// interlocks are evaluated before a valve opens and a run change is stored with its commands in one transaction.
/// Each call acts under the caller's scope and writes its audit rows with `audit`.
public protocol IrrigationRunControl: Sendable {
    /// Stores a new run of the program: AwaitingApproval when `manualApproval` (or the site's policy) asks for it,
    /// else Queued, with its first step opened at once if the interlocks allow (else `blockReason` says why).
    func startRun(
        programID: UUID,
        manualApproval: Bool,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun
    /// A second authorized person approves (`APPROVER_IS_REQUESTER` for the requester); the run is then Queued.
    func approveRun(_ runID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> IrrigationRun
    /// A second authorized person denies: the run ends Aborted.
    func denyRun(_ runID: UUID, reason: String, in scope: AccessScope, audit: AuditContext) async throws
        -> IrrigationRun
    /// Starts the abort saga (closes every valve of the run) and returns the run as soon as it is Aborted, or as it
    /// stands at `deadline` (still Aborting: the caller reports no `stoppedAt`).
    func abortRun(
        _ runID: UUID,
        reason: String,
        deadline: ContinuousClock.Instant,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun
    /// Clears the site's lockouts with `reason` (E-STOP/door re-arm, EC/pH review override). Never reopens a valve.
    func rearm(
        siteID: UUID,
        reason: InterlockReason,
        note: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> [LockoutClearance]
    /// The run as stored now, then each change of it until it is Completed or Aborted (the stream then finishes).
    func updates(of runID: UUID, in scope: AccessScope) async throws -> AsyncThrowingStream<IrrigationRun, any Error>
}

/// Where the command dispatcher reports commands that reached a final status: EXECUTED or REJECTED by an ack,
/// TIMEOUT or EXPIRED by a claim or the expiry sweep. The run engine implements it; it may be told twice about one
/// command (an ack redelivered, two instances), so it applies settlements idempotently.
public protocol CommandSettlementSink: Sendable {
    func commandsSettled(_ commands: [StoredCommand]) async
}
