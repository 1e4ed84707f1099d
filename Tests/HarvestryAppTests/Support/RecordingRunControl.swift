import Domain
import Foundation
import HarvestryApp
import Synchronization

/// A stand-in for the run engine in IrrigationService's tests: it records every call (to check the request -> call
/// mapping) and applies the Domain's run transitions to the stored run, opening no valve and issuing no command, so
/// the service's answers have the real shape. The end-to-end tests with the real engine are the coordinator's.
final class RecordingRunControl: IrrigationRunControl {
    enum Call: Sendable, Hashable {
        case start(programID: UUID, manualApproval: Bool, user: UUID, requestID: String?)
        case approve(runID: UUID, user: UUID)
        case deny(runID: UUID, reason: String, user: UUID)
        /// `wait`: how far the deadline lay ahead when the call arrived.
        case abort(runID: UUID, reason: String, user: UUID, wait: Duration)
        case rearm(siteID: UUID, reason: InterlockReason, note: String, user: UUID, witness: UUID?)
        case updates(runID: UUID)
    }

    let repository: any IrrigationRepository
    private let recorded = Mutex<[Call]>([])
    /// Runs the next abort leaves Aborting (as an engine whose closes are not confirmed by the deadline).
    let abortStaysAborting = Mutex(false)

    init(repository: any IrrigationRepository) {
        self.repository = repository
    }

    var calls: [Call] { self.recorded.withLock { $0 } }

    private func record(_ call: Call) {
        self.recorded.withLock { $0.append(call) }
    }

    func startRun(
        programID: UUID,
        manualApproval: Bool,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationRun
    {
        self.record(
            .start(programID: programID, manualApproval: manualApproval, user: scope.userID, requestID: audit.requestID)
        )
        let program = try await self.repository.program(programID, in: scope)
        let run = IrrigationRun(
            program: program,
            requestedBy: scope.userID,
            requestedAt: Date(),
            manualApproval: manualApproval
        )
        return try await self.repository.createRun(run, commands: [], in: scope, audit: audit)
    }

    func approveRun(_ runID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> IrrigationRun {
        self.record(.approve(runID: runID, user: scope.userID))
        return try await self.change(runID, in: scope, audit: audit) { run in _ = try run.approve(by: scope.userID) }
    }

    func denyRun(
        _ runID: UUID,
        reason: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationRun
    {
        self.record(.deny(runID: runID, reason: reason, user: scope.userID))
        return try await self.change(runID, in: scope, audit: audit) { run in
            _ = try run.deny(by: scope.userID, at: Date())
        }
    }

    func abortRun(
        _ runID: UUID,
        reason: String,
        deadline: ContinuousClock.Instant,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        self.record(
            .abort(runID: runID, reason: reason, user: scope.userID, wait: ContinuousClock.now.duration(to: deadline))
        )
        let stored = try await self.repository.run(runID, in: scope)
        if stored.status.isFinished { return stored }
        if self.abortStaysAborting.withLock({ $0 }) {
            // A valve opened, and its close is not confirmed by the deadline: the saga is still Aborting.
            var aborting = stored
            _ = try aborting.startStep(.allowed, at: Date())
            _ = try aborting.abort(by: scope.userID, reason: reason, at: Date())
            return aborting
        }
        return try await self.change(runID, in: scope, audit: audit) { run in
            _ = try run.abort(by: scope.userID, reason: reason, at: Date())
        }
    }

    func rearm(
        siteID: UUID,
        reason: InterlockReason,
        note: String,
        in scope: AccessScope,
        audit: AuditContext
    )
        async throws -> [LockoutClearance]
    {
        self.record(
            .rearm(siteID: siteID, reason: reason, note: note, user: scope.userID, witness: audit.witnessUserID)
        )
        let lockouts = try await self.repository.listLockouts(siteID: siteID, in: scope, page: .first).items
            .filter { $0.lockout.reason == reason }
        let now = Date()
        try await self.repository.recordInterlockEvents(
            lockouts.map {
                InterlockEvent(
                    groupID: $0.groupID,
                    runID: nil,
                    kind: .cleared,
                    reason: reason,
                    at: now,
                    detail: note,
                    actorID: scope.userID
                )
            },
            in: scope,
            audit: audit
        )
        return lockouts.map {
            LockoutClearance(lockout: $0.lockout, clearedBy: scope.userID, clearedAt: now, note: note)
        }
    }

    /// The stored run, then (while unfinished) the same run with its first step opening, then the stream ends.
    func updates(of runID: UUID, in scope: AccessScope) async throws -> AsyncThrowingStream<IrrigationRun, any Error> {
        self.record(.updates(runID: runID))
        let run = try await self.repository.run(runID, in: scope)
        var later = run
        if run.status == .queued { _ = try later.startStep(.allowed, at: Date()) }
        return AsyncThrowingStream { continuation in
            continuation.yield(run)
            if later != run { continuation.yield(later) }
            continuation.finish()
        }
    }

    private func change(
        _ runID: UUID,
        in scope: AccessScope,
        audit: AuditContext,
        _ transition: (inout IrrigationRun) throws -> Void
    ) async throws -> IrrigationRun {
        var run = try await self.repository.run(runID, in: scope)
        try transition(&run)
        try await self.repository.saveRun(run, commands: [], in: scope, audit: audit)
        return try await self.repository.run(runID, in: scope)
    }
}
