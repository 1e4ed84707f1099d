import Domain
import Foundation
import Testing

@Suite struct InterlockSourceTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func snapshot(_ input: InterlockInput, _ value: ObservedValue) -> InterlockSnapshot {
        InterlockSnapshot(
            now: Self.t0,
            observations: InterlockObservations(values: [input: Timed(value, at: Self.t0.addingTimeInterval(-3))])
        )
    }

    @Test(arguments: [
        (ObservedValue.text("open"), LoopState?.some(.open)), (.text("CLOSED"), .closed), (.number(1), .open),
        (.number(0), .closed), (.text("ajar"), nil), (.number(.nan), nil),
    ])
    func loops(_ value: ObservedValue, _ expected: LoopState?) {
        #expect(Self.snapshot(.eStop, value).eStop.map(\.value) == expected)
        #expect(Self.snapshot(.door, value).door.map(\.value) == expected)
        #expect(Self.snapshot(.door, value).door.map(\.at) == (expected == nil ? nil : Self.t0.addingTimeInterval(-3)))
    }

    @Test(arguments: [
        (ObservedValue.text("active"), Bool?.some(true)), (.text("locked"), true), (.text("clear"), false),
        (.text("OK"), false), (.number(2), true), (.text("maybe"), nil),
    ])
    func co2Lockout(_ value: ObservedValue, _ expected: Bool?) {
        #expect(Self.snapshot(.co2Exhaust, value).co2ExhaustLockout.map(\.value) == expected)
    }

    @Test(arguments: [
        (ObservedValue.text("low"), Double?.some(0)), (.text("ok"), 100), (.text("42.5"), 42.5), (.number(7), 7),
        (.text("full"), nil), (.number(.infinity), nil),
    ])
    func tankLevel(_ value: ObservedValue, _ expected: Double?) {
        #expect(Self.snapshot(.tankLevel, value).tankLevel.map(\.value) == expected)
    }

    @Test func unreadableValueIsStaleAndNaNIsOutOfBounds() {
        let evaluator = InterlockEvaluator(policy: InterlockPolicy(requiredInputs: [.ec, .ph]))
        let words = InterlockSnapshot(
            now: Self.t0,
            observations: InterlockObservations(values: [
                .ec: Timed(.text("low"), at: Self.t0), .ph: Timed(.number(6), at: Self.t0),
            ])
        )
        #expect(evaluator.staleInputs(in: words) == [.ec], "EC reads no words: no reading")
        let nan = InterlockSnapshot(
            now: Self.t0,
            observations: InterlockObservations(values: [
                .ec: Timed(.number(.nan), at: Self.t0), .ph: Timed(.number(6), at: Self.t0),
            ])
        )
        #expect(evaluator.mayStart(StartRequest(valves: []), in: nan).blockReason == .ecOutOfBounds)
    }

    @Test func nothingConfiguredNeverOpens() {
        let evaluator = InterlockEvaluator(policy: InterlockPolicy())
        let empty = InterlockSnapshot(now: Self.t0, observations: InterlockObservations())
        #expect(evaluator.mayStart(StartRequest(valves: []), in: empty).blockReason == .staleReading)
    }

    @Test func settingsAndSourcesNameTheField() {
        #expect(throws: DomainError.self) { try CommandTiming(expiry: 0).validate() }
        #expect(throws: DomainError.self) { try CommandTiming(ackTimeout: 0.01).validate() }
        #expect(throws: DomainError.self) {
            try InterlockSource.deviceState(deviceID: UUID(), property: "-x").validate(field: "source")
        }
        #expect(throws: Never.self) {
            try InterlockSource.deviceState(deviceID: UUID(), property: "estop").validate(field: "source")
        }
        let timing = CommandTiming(expiry: 20, ackTimeout: 2, maxAttempts: 4)
        let command = timing.command(
            .open,
            valve: ZoneValve(zoneID: UUID(), deviceID: UUID(), loadClass: .standard),
            idempotencyKey: "k",
            now: Self.t0
        )
        #expect(command.expiresAt == Self.t0.addingTimeInterval(20))
        #expect(command.ackTimeout == 2 && command.maxAttempts == 4 && command.status == .queued)
    }
}
