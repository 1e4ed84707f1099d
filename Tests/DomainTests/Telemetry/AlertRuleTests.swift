import Domain
import Foundation
import Testing

@Suite("Alert rules")
struct AlertRuleTests {
    let stream = UUID()

    func run(_ rule: AlertRule, _ values: [(seconds: Int64, value: Double)]) -> [AlertAction] {
        var state = AlertState()
        return values.map {
            rule.evaluate(
                Reading(streamID: stream, siteID: stream, micros: $0.seconds * 1_000_000, value: $0.value),
                state: &state
            )
        }
    }

    func kinds(_ actions: [AlertAction]) -> [String] {
        actions.map {
            switch $0 {
            case .none: "-"
            case .fire: "fire"
            case .clear: "clear"
            }
        }
    }

    @Test("threshold fires once while outside and clears when back inside")
    func threshold() {
        let rule = AlertRule(siteID: stream, streamID: stream, kind: .threshold, lower: 18, upper: 28)
        let actions = run(rule, [(0, 20), (10, 29), (20, 30), (30, 25), (40, 17), (50, 18)])
        #expect(kinds(actions) == ["-", "fire", "-", "clear", "fire", "clear"])
    }

    @Test("deviation fires only after lasting the duration; a return inside the band resets it")
    func deviation() {
        let rule = AlertRule(siteID: stream, streamID: stream, kind: .deviation, target: 6, band: 0.5, duration: 60)
        let actions = run(rule, [(0, 6.8), (30, 6.9), (50, 6.1), (60, 7), (100, 7), (120, 7.2), (130, 6.2)])
        #expect(kinds(actions) == ["-", "-", "-", "-", "-", "fire", "clear"])
    }

    @Test("rate of change compares consecutive readings per minute")
    func rate() {
        let rule = AlertRule(siteID: stream, streamID: stream, kind: .rateOfChange, ratePerMinute: 2)
        let actions = run(rule, [(0, 20), (60, 21), (90, 23), (150, 23.5)])
        #expect(kinds(actions) == ["-", "-", "fire", "clear"])
    }

    @Test("late readings are ignored")
    func late() {
        let rule = AlertRule(siteID: stream, streamID: stream, kind: .threshold, upper: 28)
        #expect(kinds(run(rule, [(10, 20), (5, 40), (10, 40), (11, 40)])) == ["-", "-", "-", "fire"])
    }

    @Test("parameters are checked per kind")
    func validation() {
        #expect(throws: DomainError.self) {
            try AlertRule(siteID: stream, streamID: stream, kind: .threshold).validate()
        }
        #expect(throws: DomainError.self) {
            try AlertRule(siteID: stream, streamID: stream, kind: .threshold, lower: 5, upper: 1).validate()
        }
        #expect(throws: DomainError.self) {
            try AlertRule(siteID: stream, streamID: stream, kind: .rateOfChange).validate()
        }
        #expect(throws: Never.self) {
            try AlertRule(siteID: stream, streamID: stream, kind: .deviation, target: 1, band: 0.1, duration: 5)
                .validate()
        }
    }
}
