import Domain
import Foundation

extension Principal {
    /// The caller of the RPC being handled, bound by `AuthInterceptor`; nil outside an authenticated call.
    @TaskLocal public static var current: Principal?
}

/// The authenticated caller as handlers need it.
enum Caller {
    /// The caller's scope; UNAUTHENTICATED when no interceptor authenticated the call (a wiring bug, never data).
    static func scope() throws -> AccessScope {
        guard let principal = Principal.current else {
            throw ServiceError.unauthenticated(reason: "TOKEN_MISSING", "this method needs an authenticated session")
        }
        return principal.scope
    }

    /// The caller's scope, if they hold at least one of `roles`; PERMISSION_DENIED (ROLE_REQUIRED) otherwise.
    static func scope(requiringAnyOf roles: Set<Role>, method: String) throws -> AccessScope {
        let scope = try Self.scope()
        guard !scope.roles.isDisjoint(with: roles.map(\.rawValue)) else {
            throw ServiceError.roleRequired(roles.map(\.rawValue).sorted(), method: method)
        }
        return scope
    }

    /// Throws PERMISSION_DENIED (SITE_OUT_OF_SCOPE) unless `site` is one of the caller's.
    static func require(site: UUID, in scope: AccessScope) throws {
        guard scope.contains(site: site) else { throw ServiceError.siteOutOfScope(site.uuidString.lowercased()) }
    }

    /// The caller's scope once the request is valid (no `violations`), the caller holds one of `roles` (any role when
    /// nil) and `site` is theirs (when known: a bare id's site is known only after a lookup under the scope).
    static func authorize(
        _ violations: FieldViolations,
        site: UUID?,
        roles: Set<Role>? = nil,
        method: String
    ) throws -> AccessScope {
        try violations.check()
        let scope = try roles.map { try Self.scope(requiringAnyOf: $0, method: method) } ?? Self.scope()
        if let site { try Self.require(site: site, in: scope) }
        return scope
    }
}
