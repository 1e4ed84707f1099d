import API
import Domain
import Foundation

/// Run, lockout and listing requests.
extension IrrigationValidation {
    struct StartRun: Sendable {
        /// Nil when only the seed's `programId` is given: the program's site is the service's lookup.
        var site: UUID?
        var program: IrrigationReference
        var manualApproval: Bool
        var audit: AuditContext
    }

    /// An approval, a denial or an abort of one run.
    struct RunDecision: Sendable {
        var run: IrrigationReference
        /// The denial's or abort's reason; nil for an approval.
        var reason: String?
        var audit: AuditContext
    }

    struct ListRuns: Sendable {
        var site: UUID
        var statuses: Set<RunStatus>
        var program: UUID?
        var page: PageRequest
    }

    struct ReArm: Sendable {
        var site: UUID
        var reason: InterlockReason
        var note: String
        var audit: AuditContext
    }

    /// Longest reason for a denial or an abort.
    static let maximumReasonLength = 500
    /// Longest re-arm or review note.
    static let maximumNoteLength = 2_000

    /// The seed's `POST /irrigation/runs {programId, manualApproval}` gives no parent.
    static func startRun(
        _ request: Harvestry_Irrigation_V1_StartRunRequest,
        violations: inout FieldViolations
    )
        -> StartRun?
    {
        let parent = violations.name("parent", request.parent, .site, required: request.programID.isEmpty)
        let program = violations.reference(
            name: ("program", request.program),
            id: ("program_id", request.programID),
            .program,
            variable: "program"
        )
        if let parentSite = parent?["site"], let programSite = program?.site, parentSite != programSite {
            violations.add("program", reason: "SITE_MISMATCH", "must be in \(request.parent)")
        }
        let audit = violations.audit(requestID: request.requestID)
        guard let program, violations.isEmpty else { return nil }
        return StartRun(
            site: parent?["site"] ?? program.site,
            program: program,
            manualApproval: request.manualApproval,
            audit: audit
        )
    }

    static func approveRun(
        _ request: Harvestry_Irrigation_V1_ApproveRunRequest,
        violations: inout FieldViolations
    )
        -> RunDecision?
    {
        let run = violations.name("name", request.name, .run)
        let audit = violations.audit(requestID: request.requestID)
        guard let run, violations.isEmpty else { return nil }
        return RunDecision(run: IrrigationReference(id: run["run"], site: run.site), reason: nil, audit: audit)
    }

    static func denyRun(
        _ request: Harvestry_Irrigation_V1_DenyRunRequest,
        violations: inout FieldViolations
    )
        -> RunDecision?
    {
        let run = violations.name("name", request.name, .run)
        let reason = violations.text("reason", request.reason, maximum: Self.maximumReasonLength)
        let audit = violations.audit(requestID: request.requestID)
        guard let run, let reason, violations.isEmpty else { return nil }
        return RunDecision(run: IrrigationReference(id: run["run"], site: run.site), reason: reason, audit: audit)
    }

    /// The seed's `POST /irrigation/runs/{id}/abort {reason}` names the run by `run_id`.
    static func abortRun(
        _ request: Harvestry_Irrigation_V1_AbortRunRequest,
        violations: inout FieldViolations
    )
        -> RunDecision?
    {
        let run = violations.reference(
            name: ("name", request.name),
            id: ("run_id", request.runID),
            .run,
            variable: "run"
        )
        let reason = violations.text("reason", request.reason, maximum: Self.maximumReasonLength)
        let audit = violations.audit(requestID: request.requestID)
        guard let run, let reason, violations.isEmpty else { return nil }
        return RunDecision(run: run, reason: reason, audit: audit)
    }

    static func listRuns(
        _ request: Harvestry_Irrigation_V1_ListRunsRequest,
        violations: inout FieldViolations
    )
        -> ListRuns?
    {
        let site = violations.name("parent", request.parent, .site)?["site"]
        let statuses = violations.enumerations("statuses", request.statuses).compactMap(Self.runStatus)
        let program = violations.name("program", request.program, .program, inSite: site, required: false)
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        guard let site, violations.isEmpty else { return nil }
        return ListRuns(site: site, statuses: Set(statuses), program: program?["program"], page: page)
    }

    /// Only latching reasons can be cleared: E-STOP and door faults (re-arm), EC and pH holds (review override).
    static func reArm(_ request: Harvestry_Irrigation_V1_ReArmRequest, violations: inout FieldViolations) -> ReArm? {
        let site = violations.name("site", request.site, .site)?["site"]
        var reason = violations.enumeration("reason", request.reason, required: true).flatMap(Self.interlockReason)
        if let latching = reason, !Lockout.latches(latching) {
            violations.add(
                "reason",
                reason: "REASON_NOT_LATCHING",
                "\(latching.rawValue) never latches; only ESTOP_OPEN, DOOR_OPEN, EC_OUT_OF_BOUNDS and PH_OUT_OF_BOUNDS do"
            )
            reason = nil
        }
        let note = violations.text("note", request.note, maximum: Self.maximumNoteLength)
        let audit = violations.audit(requestID: request.requestID)
        guard let site, let reason, let note, violations.isEmpty else { return nil }
        return ReArm(site: site, reason: reason, note: note, audit: audit)
    }
}
