/// Actions whose mistakes cannot be taken back, so policy (not just the role) decides who may do them.
public enum HighRiskAction: String, Sendable, Hashable, CaseIterable {
    /// Forcing an output on or off by hand, bypassing the program.
    case manualOverride = "manual_override"
    /// Re-arming a zone or device after a latched fault (E-STOP, EC/pH out of bounds, leak, max runtime).
    case rearmAfterLatchedFault = "rearm_after_latched_fault"
    /// Destroying plants or product.
    case destruction
    /// Releasing a batch on its certificate of analysis.
    case coaRelease = "coa_release"
}

/// What a high-risk action demands.
public struct PolicyRule: Sendable, Hashable {
    /// The actor needs at least one of these roles.
    public var actorRoles: Set<String>
    /// Whether a second person must present their badge.
    public var requiresSecondPerson: Bool
    /// The second person needs at least one of these roles (ignored when no second person is required).
    public var secondPersonRoles: Set<String>

    public init(actorRoles: Set<String>, requiresSecondPerson: Bool, secondPersonRoles: Set<String> = []) {
        self.actorRoles = actorRoles
        self.requiresSecondPerson = requiresSecondPerson
        self.secondPersonRoles = secondPersonRoles
    }
}

/// The rules for every high-risk action. `standard` is Harvestry's default; a site may tighten it.
public struct PolicyTable: Sendable, Hashable {
    public var rules: [HighRiskAction: PolicyRule]

    public init(rules: [HighRiskAction: PolicyRule]) {
        self.rules = rules
    }

    public static let standard = PolicyTable(rules: [
        .manualOverride: PolicyRule(actorRoles: ["manager", "supervisor"], requiresSecondPerson: false),
        .rearmAfterLatchedFault: PolicyRule(
            actorRoles: ["manager", "supervisor", "technician"],
            requiresSecondPerson: true,
            secondPersonRoles: ["manager", "supervisor"]
        ),
        .destruction: PolicyRule(
            actorRoles: ["manager", "compliance"],
            requiresSecondPerson: true,
            secondPersonRoles: ["manager", "supervisor", "compliance"]
        ),
        .coaRelease: PolicyRule(
            actorRoles: ["compliance"],
            requiresSecondPerson: true,
            secondPersonRoles: ["manager", "compliance"]
        ),
    ])
}
