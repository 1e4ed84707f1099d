import API
import Domain
import Foundation
import GRPCCore

/// `harvestry.irrigation.v1.IrrigationService`: groups, programs and schedules (the repository), runs started,
/// approved, denied and aborted through the run engine (`IrrigationRunControl`), and the reads (runs, interlock
/// events, lockouts, device commands).
///
/// Every request is validated first (INVALID_ARGUMENT naming each field by its proto path), then the caller's role
/// (PERMISSION_DENIED, ROLE_REQUIRED naming the roles) and site (SITE_OUT_OF_SCOPE) are checked, then the repository
/// or the engine acts under the caller's scope and audits the change. A seed contract's bare id (`groupId`,
/// `programId`, the abort path's `{id}`) is looked up under that scope, so another tenant's id is NOT_FOUND.
public struct IrrigationService: Harvestry_Irrigation_V1_IrrigationService.SimpleServiceProtocol {
    let repository: any IrrigationRepository
    let spatial: any SpatialRepository
    let runControl: any IrrigationRunControl
    /// Mix tanks, injector channels, nutrient products, settings and interlock sources (`+Setup*`).
    let setup: (any IrrigationSetupStore)?
    /// The ABAC hook for ReArm (`rearm_after_latched_fault`, with a second person's witness token).
    let authorizer: HighRiskAuthorizer
    /// How long AbortRun waits for the abort saga when the call carries no deadline.
    let defaultAbortWait: Duration
    let now: @Sendable () -> Date

    public init(
        services: IrrigationServices,
        spatial: any SpatialRepository,
        authorizer: HighRiskAuthorizer,
        defaultAbortWait: Duration = .seconds(5),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repository = services.repository
        self.runControl = services.runControl
        self.setup = services.setup
        self.spatial = spatial
        self.authorizer = authorizer
        self.defaultAbortWait = defaultAbortWait
        self.now = now
    }

    /// Who may create, change and delete groups, programs and schedules.
    static let definers: Set<Role> = [.admin, .manager]
    /// Who may start and abort runs.
    static let runners: Set<Role> = [.admin, .manager, .supervisor, .operator]
    /// Who may approve or deny a run awaiting approval (the engine refuses the requester, APPROVER_IS_REQUESTER).
    static let approvers: Set<Role> = [.admin, .manager, .supervisor]

    /// The site of a group named by a bare id, looked up under the caller's scope.
    func site(ofGroup id: UUID, in scope: AccessScope) async throws -> UUID {
        try await self.repository.group(id, in: scope).siteID
    }

    /// The site of a program named by a bare id.
    func site(ofProgram id: UUID, in scope: AccessScope) async throws -> UUID {
        try await self.site(ofGroup: try await self.repository.program(id, in: scope).groupID, in: scope)
    }

    /// The site of a run given by name or bare id: its group's, which must be the name's (NOT_FOUND otherwise) and
    /// the caller's.
    func site(ofRun run: IrrigationReference, in scope: AccessScope) async throws -> UUID {
        let stored = try await self.repository.run(run.id, in: scope)
        let site = try await self.site(ofGroup: stored.groupID, in: scope)
        guard run.site == nil || run.site == site else {
            throw DomainError.notFound("run", id: run.id.lowercasedString)
        }
        try Caller.require(site: site, in: scope)
        return site
    }

    /// `parent` (`sites/{site}`) and the page of a site-wide listing.
    static func listing(
        parent: String,
        pageSize: Int32,
        pageToken: String,
        violations: inout FieldViolations
    ) -> (site: UUID?, page: PageRequest) {
        let site = violations.name("parent", parent, .site)?["site"]
        return (site, violations.page(size: pageSize, token: pageToken))
    }

    /// A run message; `manual_approval` is true for a run that waits or waited for approval.
    static func message(_ run: IrrigationRun, site: UUID) -> Harvestry_Irrigation_V1_Run {
        .init(run, site: site, manualApproval: run.status == .awaitingApproval || run.approvedBy != nil)
    }
}
