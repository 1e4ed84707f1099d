import API
import CoreTransport
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Run control: every transition goes through the run engine (`IrrigationRunControl`), which evaluates the
/// interlocks and stores the run with its commands; this only validates, authorizes and shapes the answers.
extension IrrigationService {
    public func startRun(
        request: Harvestry_Irrigation_V1_StartRunRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_StartRunResponse {
        var violations = FieldViolations()
        let checked = IrrigationValidation.startRun(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.site, roles: Self.runners, method: "StartRun")
        let start = checked!
        let site = try await self.site(ofProgram: start.program.id, in: scope)
        guard start.site == nil || start.site == site else {
            throw DomainError.notFound("program", id: start.program.id.lowercasedString)
        }
        try Caller.require(site: site, in: scope)
        let run = try await self.runControl.startRun(
            programID: start.program.id,
            manualApproval: start.manualApproval,
            in: scope,
            audit: start.audit
        )
        return .init(Self.message(run, site: site), status: run.status)
    }

    public func approveRun(
        request: Harvestry_Irrigation_V1_ApproveRunRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Run {
        var violations = FieldViolations()
        let checked = IrrigationValidation.approveRun(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.run.site, roles: Self.approvers, method: "ApproveRun")
        let decision = checked!
        let site = try await self.site(ofRun: decision.run, in: scope)
        let run = try await self.runControl.approveRun(decision.run.id, in: scope, audit: decision.audit)
        return Self.message(run, site: site)
    }

    public func denyRun(
        request: Harvestry_Irrigation_V1_DenyRunRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Run {
        var violations = FieldViolations()
        let checked = IrrigationValidation.denyRun(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.run.site, roles: Self.approvers, method: "DenyRun")
        let decision = checked!
        let site = try await self.site(ofRun: decision.run, in: scope)
        let run = try await self.runControl.denyRun(
            decision.run.id,
            reason: decision.reason!,
            in: scope,
            audit: decision.audit
        )
        return Self.message(run, site: site)
    }

    /// AbortRun with the call's metadata: the engine gets the call's deadline (less a margin to answer in), at most
    /// `maximumAbortWait`, or `defaultAbortWait` when the call has none.
    public func abortRun(
        request: ServerRequest<Harvestry_Irrigation_V1_AbortRunRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Irrigation_V1_AbortRunResponse> {
        let wait = request.metadata.timeout.map { Self.abortWait(timeout: $0) } ?? self.defaultAbortWait
        let response = try await self.abortRun(request.message, wait: wait)
        return ServerResponse(message: response, metadata: [:])
    }

    public func abortRun(
        request: Harvestry_Irrigation_V1_AbortRunRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_AbortRunResponse {
        try await self.abortRun(request, wait: self.defaultAbortWait)
    }

    /// Kept from a call's deadline so the answer still reaches the caller in time.
    static let answerMargin: Duration = .milliseconds(250)
    /// The longest AbortRun waits for the run to come back Aborted, whatever the call's deadline (a caller's
    /// `grpc-timeout` may be hours): past it the answer is the run still Aborting, without `stoppedAt`.
    static let maximumAbortWait: Duration = .seconds(60)

    /// How long to wait for the abort under a call's `timeout`: the timeout less `answerMargin`, capped.
    static func abortWait(timeout: Duration) -> Duration {
        min(max(.zero, timeout - Self.answerMargin), Self.maximumAbortWait)
    }

    func abortRun(
        _ request: Harvestry_Irrigation_V1_AbortRunRequest,
        wait: Duration
    ) async throws -> Harvestry_Irrigation_V1_AbortRunResponse {
        var violations = FieldViolations()
        let checked = IrrigationValidation.abortRun(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.run.site, roles: Self.runners, method: "AbortRun")
        let decision = checked!
        let site = try await self.site(ofRun: decision.run, in: scope)
        let run = try await self.runControl.abortRun(
            decision.run.id,
            reason: decision.reason!,
            deadline: ContinuousClock.now.advanced(by: wait),
            in: scope,
            audit: decision.audit
        )
        var response = Harvestry_Irrigation_V1_AbortRunResponse(Self.message(run, site: site))
        // The seed's `stoppedAt` says the abort is done: a run that finished otherwise (Completed) has none.
        if run.status != .aborted { response.clearStoppedAt() }
        return response
    }

    /// The streaming entry point: a server stream's body runs after the interceptors have returned, outside the
    /// task-local the auth interceptor binds, so the request is validated, authorized and the engine's stream opened
    /// here (errors are the call's status at once); the body only writes.
    public func streamRun(
        request: ServerRequest<Harvestry_Irrigation_V1_StreamRunRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Harvestry_Irrigation_V1_RunUpdate> {
        let (site, runs) = try await self.runUpdates(request.message)
        return StreamingServerResponse { writer in
            try await self.write(runs, site: site, to: writer)
            return [:]
        }
    }

    public func streamRun(
        request: Harvestry_Irrigation_V1_StreamRunRequest,
        response: RPCWriter<Harvestry_Irrigation_V1_RunUpdate>,
        context: ServerContext
    ) async throws {
        let (site, runs) = try await self.runUpdates(request)
        try await self.write(runs, site: site, to: response)
    }

    func runUpdates(
        _ request: Harvestry_Irrigation_V1_StreamRunRequest
    ) async throws -> (UUID, AsyncThrowingStream<IrrigationRun, any Error>) {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .run)
        let scope = try Caller.authorize(violations, site: name?.site, method: "StreamRun")
        let site = try await self.site(ofRun: IrrigationReference(id: name!["run"], site: name!.site), in: scope)
        return (site, try await self.runControl.updates(of: name!["run"], in: scope))
    }

    func write(
        _ runs: AsyncThrowingStream<IrrigationRun, any Error>,
        site: UUID,
        to writer: RPCWriter<Harvestry_Irrigation_V1_RunUpdate>
    ) async throws {
        var previous: IrrigationRun?
        for try await run in runs {
            try await writer.write(Self.update(run, after: previous, site: site, at: self.now()))
            previous = run
        }
    }

    /// One RunUpdate: the run, and the first step that differs from the previous update (none for the first one, or
    /// when only the run's own fields changed).
    static func update(
        _ run: IrrigationRun,
        after previous: IrrigationRun?,
        site: UUID,
        at now: Date
    ) -> Harvestry_Irrigation_V1_RunUpdate {
        .with {
            $0.run = Self.message(run, site: site)
            if let previous, let step = run.steps.first(where: { !previous.steps.contains($0) }) {
                $0.step = .init(step, site: site)
            }
            $0.updateTime = Google_Protobuf_Timestamp(date: now)
        }
    }
}
