/// A person as policy sees them: attributes only, resolved by the caller (the actor from the session, the second
/// person from the badge they presented).
public struct PolicySubject: Sendable, Hashable {
    public var userID: String
    public var organizationID: String
    public var roles: Set<String>
    public var sites: Set<String>
    /// The user may sign in (not disabled).
    public var isActive: Bool
    /// For a second person: the presented badge is active (not revoked). The actor's session already proves it.
    public var badgeActive: Bool

    public init(
        userID: String,
        organizationID: String,
        roles: Set<String>,
        sites: Set<String>,
        isActive: Bool = true,
        badgeActive: Bool = true
    ) {
        self.userID = userID
        self.organizationID = organizationID
        self.roles = roles
        self.sites = sites
        self.isActive = isActive
        self.badgeActive = badgeActive
    }
}

/// One high-risk action about to happen at a site.
public struct PolicyRequest: Sendable, Hashable {
    public var action: HighRiskAction
    public var site: String
    public var actor: PolicySubject
    /// The second person, when one presented a badge.
    public var secondPerson: PolicySubject?

    public init(action: HighRiskAction, site: String, actor: PolicySubject, secondPerson: PolicySubject? = nil) {
        self.action = action
        self.site = site
        self.actor = actor
        self.secondPerson = secondPerson
    }
}

/// Why policy said no; `reason` is the ErrorInfo reason the client sees.
public struct PolicyDenial: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        case actionNotConfigured = "ACTION_NOT_CONFIGURED"
        case actorInactive = "ACTOR_INACTIVE"
        case actorSiteOutOfScope = "SITE_OUT_OF_SCOPE"
        case actorRoleRequired = "ROLE_REQUIRED"
        case secondPersonRequired = "SECOND_PERSON_REQUIRED"
        case secondPersonIsActor = "SECOND_PERSON_SAME_AS_ACTOR"
        case secondPersonOtherOrganization = "SECOND_PERSON_OTHER_ORGANIZATION"
        case secondPersonInactive = "SECOND_PERSON_INACTIVE"
        case secondPersonBadgeInactive = "SECOND_PERSON_BADGE_INACTIVE"
        case secondPersonSiteOutOfScope = "SECOND_PERSON_SITE_OUT_OF_SCOPE"
        case secondPersonRoleRequired = "SECOND_PERSON_ROLE_REQUIRED"
    }

    public var reason: Reason
    public var message: String
    public var description: String { "\(self.reason.rawValue): \(self.message)" }
}

/// Evaluates high-risk actions against a `PolicyTable`. Pure: no I/O, no clock; the same request always gets the
/// same answer. Checks run in a fixed order and the first failure is the answer, so the reason is stable.
public struct PolicyEngine: Sendable {
    public var table: PolicyTable

    public init(table: PolicyTable = .standard) {
        self.table = table
    }

    /// Returns the rule that was satisfied, or throws the first reason it was not.
    @discardableResult
    public func authorize(_ request: PolicyRequest) throws(PolicyDenial) -> PolicyRule {
        let action = request.action.rawValue
        guard let rule = self.table.rules[request.action] else {
            throw PolicyDenial(reason: .actionNotConfigured, message: "no policy is configured for \(action)")
        }
        let actor = request.actor
        guard actor.isActive else {
            throw PolicyDenial(reason: .actorInactive, message: "user \(actor.userID) is not active")
        }
        guard actor.sites.contains(request.site) else {
            throw PolicyDenial(reason: .actorSiteOutOfScope, message: "site \(request.site) is not one of the actor's")
        }
        guard !actor.roles.isDisjoint(with: rule.actorRoles) else {
            throw PolicyDenial(
                reason: .actorRoleRequired,
                message: "\(action) needs one of the roles \(rule.actorRoles.sorted().joined(separator: ", "))"
            )
        }
        guard rule.requiresSecondPerson else { return rule }
        guard let second = request.secondPerson else {
            throw PolicyDenial(reason: .secondPersonRequired, message: "\(action) needs a second person's badge")
        }
        guard second.userID != actor.userID else {
            throw PolicyDenial(reason: .secondPersonIsActor, message: "the second person must be someone else")
        }
        guard second.organizationID == actor.organizationID else {
            throw PolicyDenial(
                reason: .secondPersonOtherOrganization,
                message: "the second person belongs to another organization"
            )
        }
        guard second.isActive else {
            throw PolicyDenial(reason: .secondPersonInactive, message: "user \(second.userID) is not active")
        }
        guard second.badgeActive else {
            throw PolicyDenial(reason: .secondPersonBadgeInactive, message: "the second person's badge is revoked")
        }
        guard second.sites.contains(request.site) else {
            throw PolicyDenial(
                reason: .secondPersonSiteOutOfScope,
                message: "site \(request.site) is not one of the second person's"
            )
        }
        guard !second.roles.isDisjoint(with: rule.secondPersonRoles) else {
            throw PolicyDenial(
                reason: .secondPersonRoleRequired,
                message:
                    "the second person needs one of the roles \(rule.secondPersonRoles.sorted().joined(separator: ", "))"
            )
        }
        return rule
    }
}
