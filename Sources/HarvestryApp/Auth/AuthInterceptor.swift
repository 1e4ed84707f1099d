import Domain
import Foundation
import GRPCCore
import Logging

/// Authenticates every RPC except the public ones (health, reflection, echo and `BadgeLogin`).
///
/// The `authorization: Bearer <token>` metadata must carry a token this server's key signed, not expired, whose
/// session is still open; anything else is UNAUTHENTICATED with an ErrorInfo reason (TOKEN_MISSING,
/// TOKEN_INVALID, TOKEN_EXPIRED, SESSION_ENDED). The session is looked up on every call, so a revocation made
/// by any instance is seen by the next call everywhere.
public struct AuthInterceptor: ServerInterceptor {
    /// Services and methods reachable without a token.
    public static let publicServices: Set<String> = [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        // The transport's conformance surface: it reads and writes no data.
        "harvestry.echo.v1.EchoService",
    ]
    public static let publicMethods: Set<String> = ["harvestry.identity.v1.IdentityService/BadgeLogin"]

    /// Looks up an open session's principal; nil when the session has ended or its user is disabled.
    public typealias SessionResolver = @Sendable (_ sessionID: UUID) async throws -> Principal?
    /// Records that a session was used (`IdentityRepository.recordActivity`).
    public typealias ActivityRecorder = @Sendable (_ principal: Principal, _ interval: Duration) async throws -> Void

    private let signer: SessionTokenSigner
    private let resolve: SessionResolver
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let recordActivity: ActivityRecorder?
    private let activity: SessionActivity

    /// - Parameters:
    ///   - recordActivity: called for an authenticated call at most once per `activityInterval` per session, to
    ///     keep the session's last activity current; a failure is logged, never the call's.
    public init(
        signer: SessionTokenSigner,
        resolve: @escaping SessionResolver,
        logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        recordActivity: ActivityRecorder? = nil,
        activityInterval: Duration = .seconds(60)
    ) {
        self.signer = signer
        self.resolve = resolve
        self.logger = logger
        self.now = now
        self.recordActivity = recordActivity
        self.activity = SessionActivity(interval: activityInterval)
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor
        if Self.publicServices.contains(method.service.fullyQualifiedService)
            || Self.publicMethods.contains(method.fullyQualifiedMethod)
        {
            return try await next(request, context)
        }
        let principal = try await self.authenticate(request.metadata)
        if let recordActivity, self.activity.shouldRecord(principal.sessionID) {
            do {
                try await recordActivity(principal, self.activity.interval)
            } catch {
                self.logger.warning(
                    "could not record session activity",
                    metadata: ["session": "\(principal.sessionID)", "error": "\(error)"]
                )
            }
        }
        return try await Principal.$current.withValue(principal) {
            try await next(request, context)
        }
    }

    /// The caller named by the metadata's bearer token, or UNAUTHENTICATED.
    func authenticate(_ metadata: Metadata) async throws -> Principal {
        guard let header = metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            throw ServiceError.unauthenticated(reason: "TOKEN_MISSING", "authorization metadata is missing")
        }
        let scheme = "bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme else {
            throw ServiceError.unauthenticated(
                reason: "TOKEN_INVALID",
                "authorization metadata must be 'Bearer <token>'"
            )
        }
        let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        let claims: SessionClaims
        do {
            claims = try self.signer.verify(token, now: self.now())
        } catch {
            self.logger.debug("token refused", metadata: ["reason": "\(error.code.rawValue)"])
            if error.code == .expired {
                throw ServiceError.unauthenticated(reason: "TOKEN_EXPIRED", "the session token has expired")
            }
            throw ServiceError.unauthenticated(reason: "TOKEN_INVALID", "the session token is not valid")
        }
        guard let sessionID = UUID(uuidString: claims.sessionID),
            let principal = try await self.resolve(sessionID),
            principal.scope.userID.uuidString.lowercased() == claims.userID.lowercased(),
            principal.scope.organizationID.uuidString.lowercased() == claims.organizationID.lowercased()
        else {
            throw ServiceError.unauthenticated(reason: "SESSION_ENDED", "the session has ended; sign in again")
        }
        return principal
    }
}
