import Domain
import Foundation
import GRPCCore
import GRPCProtobuf

/// What IrrigationService needs besides the spatial repository and the session signer: the irrigation repository
/// (definitions and reads) and the run engine every run transition goes through.
public struct IrrigationServices: Sendable {
    public var repository: any IrrigationRepository
    public var runControl: any IrrigationRunControl

    public init(repository: any IrrigationRepository, runControl: any IrrigationRunControl) {
        self.repository = repository
        self.runControl = runControl
    }
}

/// The run control of a server without a run engine: every run transition is UNAVAILABLE (RUN_ENGINE_UNAVAILABLE),
/// while definitions and reads are served. `harvestry serve` uses it until the engine is wired in.
public struct UnavailableRunControl: IrrigationRunControl {
    public init() {}

    static func unavailable() -> GoogleRPCStatus {
        ServiceError.make(.unavailable, reason: "RUN_ENGINE_UNAVAILABLE", "this server runs no irrigation run engine")
    }

    public func startRun(
        programID: UUID,
        manualApproval: Bool,
        in scope: AccessScope,
        audit: AuditContext
    )
        async throws -> IrrigationRun
    { throw Self.unavailable() }

    public func approveRun(_ runID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> IrrigationRun {
        throw Self.unavailable()
    }

    public func denyRun(
        _ runID: UUID,
        reason: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationRun
    { throw Self.unavailable() }

    public func abortRun(
        _ runID: UUID,
        reason: String,
        deadline: ContinuousClock.Instant,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun { throw Self.unavailable() }

    public func rearm(
        siteID: UUID,
        reason: InterlockReason,
        note: String,
        in scope: AccessScope,
        audit: AuditContext
    )
        async throws -> [LockoutClearance]
    { throw Self.unavailable() }

    public func updates(
        of runID: UUID,
        in scope: AccessScope
    ) async throws
        -> AsyncThrowingStream<IrrigationRun, any Error>
    { throw Self.unavailable() }
}
