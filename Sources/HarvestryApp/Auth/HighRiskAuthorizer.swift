import Domain
import Foundation
import GRPCCore

/// The ABAC hook for high-risk actions, for the handlers that perform them (manual override, re-arm, destruction,
/// COA release): it resolves the actor from the call and the second person from the session their badge opened on
/// the same device (their BadgeLogin token, passed as the request's witness token), asks the pure `PolicyEngine`,
/// and returns the audit context naming the witness, or throws PERMISSION_DENIED with the policy's reason.
///
/// An open session proves an active badge and a user who is not disabled; a revoked badge has ended its sessions,
/// so a witness whose badge was revoked is refused (SECOND_PERSON_BADGE_INACTIVE).
public struct HighRiskAuthorizer: Sendable {
    private let engine: PolicyEngine
    private let signer: SessionTokenSigner
    private let resolve: AuthInterceptor.SessionResolver
    private let now: @Sendable () -> Int64

    public init(
        engine: PolicyEngine = PolicyEngine(),
        signer: SessionTokenSigner,
        resolve: @escaping AuthInterceptor.SessionResolver,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.engine = engine
        self.signer = signer
        self.resolve = resolve
        self.now = now
    }

    /// Authorizes `action` at `site` by `actor`, witnessed by the holder of `witnessToken` when given.
    public func authorize(
        _ action: HighRiskAction,
        site: UUID,
        actor: Principal,
        witnessToken: String?,
        requestID: String? = nil,
        note: String? = nil
    ) async throws -> AuditContext {
        var secondPerson: PolicySubject?
        if let witnessToken, !witnessToken.isEmpty {
            secondPerson = try await self.witness(witnessToken)
        }
        let request = PolicyRequest(
            action: action,
            site: site.uuidString.lowercased(),
            actor: Self.subject(actor.scope),
            secondPerson: secondPerson
        )
        do {
            try self.engine.authorize(request)
        } catch {
            throw ServiceError.make(
                .permissionDenied,
                reason: error.reason.rawValue,
                error.message,
                metadata: ["action": action.rawValue, "site": request.site]
            )
        }
        return AuditContext(
            requestID: requestID,
            note: note,
            witnessUserID: secondPerson.flatMap { UUID(uuidString: $0.userID) }
        )
    }

    /// The second person: the principal of the session their token names, or a subject with an inactive badge
    /// when the token is valid but its session has ended. A token that does not verify is INVALID_ARGUMENT.
    private func witness(_ token: String) async throws -> PolicySubject {
        let claims: SessionClaims
        do {
            claims = try self.signer.verify(token, now: self.now())
        } catch {
            throw FieldViolations.single(
                "witness_token",
                reason: "INVALID_WITNESS_TOKEN",
                "is not a valid, unexpired session token"
            )
        }
        if let session = UUID(uuidString: claims.sessionID), let principal = try await self.resolve(session) {
            return Self.subject(principal.scope)
        }
        return PolicySubject(
            userID: claims.userID,
            organizationID: claims.organizationID,
            roles: [],
            sites: [],
            isActive: true,
            badgeActive: false
        )
    }

    static func subject(_ scope: AccessScope) -> PolicySubject {
        PolicySubject(
            userID: scope.userID.uuidString.lowercased(),
            organizationID: scope.organizationID.uuidString.lowercased(),
            roles: scope.roles,
            sites: Set(scope.siteIDs.map { $0.uuidString.lowercased() })
        )
    }
}
