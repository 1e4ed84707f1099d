import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Lockouts: listed from the interlock log; cleared by ReArm, a high-risk action (`rearm_after_latched_fault`:
/// manager, supervisor or technician, witnessed by a second person, a manager or supervisor, whose BadgeLogin token
/// comes as the `witness-token` metadata, over HTTP the `Grpc-Metadata-Witness-Token` header).
extension IrrigationService {
    /// The metadata key carrying the second person's session token.
    static let witnessTokenKey = "witness-token"

    public func listLockouts(
        request: Harvestry_Irrigation_V1_ListLockoutsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListLockoutsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListLockouts")
        let lockouts = try await self.repository.listLockouts(siteID: site!, in: scope, page: page)
        return .with {
            $0.lockouts = lockouts.items.map { .init($0.lockout, id: $0.id, site: $0.siteID) }
            $0.nextPageToken = lockouts.nextToken ?? ""
        }
    }

    public func reArm(
        request: ServerRequest<Harvestry_Irrigation_V1_ReArmRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Irrigation_V1_ReArmResponse> {
        let witness = request.metadata[stringValues: Self.witnessTokenKey].first { _ in true }
        return ServerResponse(message: try await self.reArm(request.message, witnessToken: witness), metadata: [:])
    }

    public func reArm(
        request: Harvestry_Irrigation_V1_ReArmRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ReArmResponse {
        try await self.reArm(request, witnessToken: nil)
    }

    func reArm(
        _ request: Harvestry_Irrigation_V1_ReArmRequest,
        witnessToken: String?
    ) async throws -> Harvestry_Irrigation_V1_ReArmResponse {
        var violations = FieldViolations()
        let checked = IrrigationValidation.reArm(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.site, method: "ReArm")
        let rearm = checked!
        guard let principal = Principal.current else {
            throw ServiceError.unauthenticated(reason: "TOKEN_MISSING", "ReArm needs an authenticated session")
        }
        let audit = try await self.authorizer.authorize(
            .rearmAfterLatchedFault,
            site: rearm.site,
            actor: principal,
            witnessToken: witnessToken,
            requestID: rearm.audit.requestID,
            note: rearm.note
        )
        // The lockouts as they stand, to name the cleared ones by the LATCHED events that set them.
        let latched = try await self.repository.listLockouts(
            siteID: rearm.site,
            in: scope,
            page: try PageRequest(size: PageRequest.maximumSize)
        )
        let cleared = try await self.runControl.rearm(
            siteID: rearm.site,
            reason: rearm.reason,
            note: rearm.note,
            in: scope,
            audit: audit
        )
        return .with {
            $0.cleared = cleared.map { clearance in
                // A lockout the engine cleared that the log did not list (it latched meanwhile) has no name.
                guard let stored = latched.items.first(where: { $0.lockout == clearance.lockout }) else {
                    return .with {
                        $0.reason = .init(clearance.lockout.reason)
                        $0.since = Google_Protobuf_Timestamp(date: clearance.lockout.since)
                    }
                }
                return .init(clearance.lockout, id: stored.id, site: rearm.site)
            }
            $0.clearedBy = ResourcePattern.user.format(scope.userID)
            $0.clearTime_p = Google_Protobuf_Timestamp(date: cleared.first?.clearedAt ?? self.now())
        }
    }
}
