import HarvestryApp
import Testing

@Suite("ABAC policy for high-risk actions")
struct PolicyEngineTests {
    static let site = "11111111-1111-1111-1111-111111111111"
    static let otherSite = "22222222-2222-2222-2222-222222222222"

    static func person(
        _ id: String,
        _ roles: Set<String>,
        sites: Set<String> = [site],
        organization: String = "org-1",
        active: Bool = true,
        badge: Bool = true
    ) -> PolicySubject {
        PolicySubject(
            userID: id,
            organizationID: organization,
            roles: roles,
            sites: sites,
            isActive: active,
            badgeActive: badge
        )
    }

    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var action: HighRiskAction
        var actor: PolicySubject
        var second: PolicySubject?
        var site: String = PolicyEngineTests.site
        /// nil: permitted.
        var denial: PolicyDenial.Reason?
        var testDescription: String { self.name }
    }

    static let scenarios: [Scenario] = [
        // Manual override: a role, no second person.
        .init(name: "manager overrides", action: .manualOverride, actor: person("a", ["manager"]), denial: nil),
        .init(name: "supervisor overrides", action: .manualOverride, actor: person("a", ["supervisor"]), denial: nil),
        .init(
            name: "operator may not override",
            action: .manualOverride,
            actor: person("a", ["operator"]),
            denial: .actorRoleRequired
        ),
        .init(
            name: "admin is not implicitly a manager",
            action: .manualOverride,
            actor: person("a", ["admin"]),
            denial: .actorRoleRequired
        ),
        .init(
            name: "override at another site",
            action: .manualOverride,
            actor: person("a", ["manager"]),
            site: otherSite,
            denial: .actorSiteOutOfScope
        ),
        .init(
            name: "disabled manager",
            action: .manualOverride,
            actor: person("a", ["manager"], active: false),
            denial: .actorInactive
        ),
        .init(
            name: "override ignores an unneeded second person",
            action: .manualOverride,
            actor: person("a", ["manager"]),
            second: person("a", ["operator"]),
            denial: nil
        ),
        // Re-arm after a latched fault: technician + supervisor.
        .init(
            name: "technician re-arms with a supervisor",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["supervisor"]),
            denial: nil
        ),
        .init(
            name: "re-arm alone",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            denial: .secondPersonRequired
        ),
        .init(
            name: "re-arm with own badge twice",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["manager", "supervisor"]),
            second: person("a", ["manager", "supervisor"]),
            denial: .secondPersonIsActor
        ),
        .init(
            name: "re-arm witnessed by an operator",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["operator"]),
            denial: .secondPersonRoleRequired
        ),
        .init(
            name: "re-arm witnessed with a revoked badge",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["supervisor"], badge: false),
            denial: .secondPersonBadgeInactive
        ),
        .init(
            name: "re-arm witnessed by a disabled user",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["supervisor"], active: false),
            denial: .secondPersonInactive
        ),
        .init(
            name: "re-arm witnessed from another site",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["supervisor"], sites: [otherSite]),
            denial: .secondPersonSiteOutOfScope
        ),
        .init(
            name: "re-arm witnessed from another organization",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["technician"]),
            second: person("b", ["supervisor"], organization: "org-2"),
            denial: .secondPersonOtherOrganization
        ),
        .init(
            name: "operator may not re-arm even witnessed",
            action: .rearmAfterLatchedFault,
            actor: person("a", ["operator"]),
            second: person("b", ["manager"]),
            denial: .actorRoleRequired
        ),
        // Destruction: manager or compliance, witnessed.
        .init(
            name: "compliance destroys witnessed by a manager",
            action: .destruction,
            actor: person("a", ["compliance"]),
            second: person("b", ["manager"]),
            denial: nil
        ),
        .init(
            name: "destruction without a witness",
            action: .destruction,
            actor: person("a", ["manager"]),
            denial: .secondPersonRequired
        ),
        .init(
            name: "technician may not destroy",
            action: .destruction,
            actor: person("a", ["technician"]),
            second: person("b", ["manager"]),
            denial: .actorRoleRequired
        ),
        .init(
            name: "destruction witnessed by a viewer",
            action: .destruction,
            actor: person("a", ["manager"]),
            second: person("b", ["viewer"]),
            denial: .secondPersonRoleRequired
        ),
        // COA release: compliance only, witnessed by manager or compliance.
        .init(
            name: "compliance releases witnessed by compliance",
            action: .coaRelease,
            actor: person("a", ["compliance"]),
            second: person("b", ["compliance"]),
            denial: nil
        ),
        .init(
            name: "manager may not release a COA",
            action: .coaRelease,
            actor: person("a", ["manager"]),
            second: person("b", ["compliance"]),
            denial: .actorRoleRequired
        ),
        .init(
            name: "COA release witnessed by a supervisor",
            action: .coaRelease,
            actor: person("a", ["compliance"]),
            second: person("b", ["supervisor"]),
            denial: .secondPersonRoleRequired
        ),
        .init(
            name: "COA release at a site the actor lacks, witness has it",
            action: .coaRelease,
            actor: person("a", ["compliance"], sites: [otherSite]),
            second: person("b", ["manager"]),
            denial: .actorSiteOutOfScope
        ),
        .init(
            name: "multi-site actor and witness",
            action: .destruction,
            actor: person("a", ["manager"], sites: [site, otherSite]),
            second: person("b", ["supervisor"], sites: [otherSite, site]),
            denial: nil
        ),
    ]

    @Test("decides", arguments: scenarios)
    func decides(_ scenario: Scenario) throws {
        let engine = PolicyEngine()
        let request = PolicyRequest(
            action: scenario.action,
            site: scenario.site,
            actor: scenario.actor,
            secondPerson: scenario.second
        )
        if let expected = scenario.denial {
            let denial = #expect(throws: PolicyDenial.self) { try engine.authorize(request) }
            #expect(denial?.reason == expected)
        } else {
            #expect(throws: Never.self) { try engine.authorize(request) }
        }
    }

    @Test("an action missing from the table is refused")
    func unconfigured() {
        var table = PolicyTable.standard
        table.rules[.coaRelease] = nil
        let engine = PolicyEngine(table: table)
        let request = PolicyRequest(
            action: .coaRelease,
            site: Self.site,
            actor: Self.person("a", ["compliance"]),
            secondPerson: Self.person("b", ["manager"])
        )
        let denial = #expect(throws: PolicyDenial.self) { try engine.authorize(request) }
        #expect(denial?.reason == .actionNotConfigured)
    }

    @Test("a site may tighten a rule: override then needs a witness")
    func tightened() {
        var table = PolicyTable.standard
        table.rules[.manualOverride] = PolicyRule(
            actorRoles: ["manager"],
            requiresSecondPerson: true,
            secondPersonRoles: ["supervisor"]
        )
        let engine = PolicyEngine(table: table)
        let alone = PolicyRequest(action: .manualOverride, site: Self.site, actor: Self.person("a", ["manager"]))
        #expect(throws: PolicyDenial.self) { try engine.authorize(alone) }
        var witnessed = alone
        witnessed.secondPerson = Self.person("b", ["supervisor"])
        #expect(throws: Never.self) { try engine.authorize(witnessed) }
    }

    @Test("every action has a standard rule, and every witnessed rule names witness roles")
    func standardTableIsComplete() {
        for action in HighRiskAction.allCases {
            let rule = PolicyTable.standard.rules[action]
            #expect(rule != nil, "\(action)")
            #expect(rule?.actorRoles.isEmpty == false)
            if rule?.requiresSecondPerson == true { #expect(rule?.secondPersonRoles.isEmpty == false) }
        }
    }
}
