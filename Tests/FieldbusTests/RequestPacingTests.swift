import Fieldbus
import Testing

@Suite("RequestPacing")
struct RequestPacingTests {
    let start = ContinuousClock.now
    let rules = try! RequestPacing.Rules(
        maxReadCount: 100,
        minimumGap: .milliseconds(20),
        violationsBeforeLockup: 3,
        lockupDuration: .seconds(30)
    )

    func read(_ count: Int) -> ModbusRequest {
        ModbusRequest(connection: 1, function: .readInputRegisters, address: 5000, count: count)
    }

    @Test func pacedRequestsAreServed() {
        var pacing = RequestPacing(rules: self.rules)
        for step in 0..<10 {
            let verdict = pacing.admit(self.read(10), at: self.start + .milliseconds(25 * step))
            #expect(verdict.disposition == .serve)
            #expect(verdict.reason == .paced)
        }
    }

    @Test func oversizedReadsAreRefusedButWritesAreNot() {
        var pacing = RequestPacing(rules: self.rules)
        #expect(pacing.admit(self.read(101), at: self.start).disposition == .exception(.illegalDataValue))
        let write = ModbusRequest(connection: 1, function: .writeMultipleRegisters, address: 0, count: 101)
        #expect(pacing.admit(write, at: self.start + .seconds(1)).disposition == .serve)
    }

    @Test func tooManyEarlyRequestsLockUpUntilTheLockupEnds() {
        var pacing = RequestPacing(rules: self.rules)
        #expect(pacing.admit(self.read(1), at: self.start).reason == .paced)
        #expect(pacing.admit(self.read(1), at: self.start + .milliseconds(1)).reason == .tooEarly(violations: 1))
        #expect(pacing.admit(self.read(1), at: self.start + .milliseconds(2)).reason == .tooEarly(violations: 2))
        let third = pacing.admit(self.read(1), at: self.start + .milliseconds(3))
        #expect(third.disposition == .noReply && third.reason == .lockupStarted)
        // Silent for the whole lock-up, even when well paced.
        #expect(pacing.admit(self.read(1), at: self.start + .seconds(29)).reason == .lockedUp)
        #expect(pacing.admit(self.read(1), at: self.start + .seconds(31)).reason == .paced)
    }

    @Test func aPacedRequestForgivesEarlierViolations() {
        var pacing = RequestPacing(rules: self.rules)
        _ = pacing.admit(self.read(1), at: self.start)
        _ = pacing.admit(self.read(1), at: self.start + .milliseconds(1))
        _ = pacing.admit(self.read(1), at: self.start + .milliseconds(2))
        #expect(pacing.admit(self.read(1), at: self.start + .milliseconds(100)).reason == .paced)
        #expect(pacing.admit(self.read(1), at: self.start + .milliseconds(101)).reason == .tooEarly(violations: 1))
        #expect(pacing.lockedUntil == nil)
    }

    /// HC-004's "min 5 s poll" per register block: the same block sooner than the interval is a violation, another
    /// block is not.
    @Test func pollingTheSameBlockSoonerThanItsIntervalIsAViolation() throws {
        var pacing = RequestPacing(
            rules: try RequestPacing.Rules(
                maxReadCount: 100,
                minimumGap: .milliseconds(20),
                violationsBeforeLockup: 2,
                lockupDuration: .seconds(30),
                blockPollInterval: .seconds(5)
            )
        )
        let other = ModbusRequest(connection: 1, function: .readInputRegisters, address: 13_000, count: 10)
        #expect(pacing.admit(self.read(10), at: self.start).reason == .paced)
        #expect(pacing.admit(other, at: self.start + .seconds(1)).reason == .paced)
        #expect(pacing.admit(self.read(10), at: self.start + .seconds(2)).reason == .tooEarly(violations: 1))
        #expect(pacing.admit(self.read(10), at: self.start + .seconds(7)).reason == .paced)
        #expect(pacing.admit(self.read(10), at: self.start + .seconds(8)).reason == .tooEarly(violations: 1))
        #expect(pacing.admit(self.read(10), at: self.start + .seconds(9)).reason == .lockupStarted)
    }

    @Test func badRulesNameTheirField() {
        #expect(
            throws: ModbusError(
                code: .invalidArgument(field: "maxReadCount"),
                message: "maxReadCount: must be 1...125, got 126"
            )
        ) {
            try RequestPacing.Rules(
                maxReadCount: 126,
                minimumGap: .zero,
                violationsBeforeLockup: 1,
                lockupDuration: .seconds(1)
            )
        }
        for (field, build) in [
            (
                "violationsBeforeLockup",
                {
                    try RequestPacing.Rules(
                        maxReadCount: 1,
                        minimumGap: .zero,
                        violationsBeforeLockup: 0,
                        lockupDuration: .seconds(1)
                    )
                }
            ),
            (
                "lockupDuration",
                {
                    try RequestPacing.Rules(
                        maxReadCount: 1,
                        minimumGap: .zero,
                        violationsBeforeLockup: 1,
                        lockupDuration: .zero
                    )
                }
            ),
            (
                "minimumGap",
                {
                    try RequestPacing.Rules(
                        maxReadCount: 1,
                        minimumGap: .seconds(-1),
                        violationsBeforeLockup: 1,
                        lockupDuration: .seconds(1)
                    )
                }
            ),
        ] as [(String, () throws -> RequestPacing.Rules)] {
            #expect(Self.field { _ = try build() } == field)
        }
    }

    static func field(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ModbusError {
            if case .invalidArgument(let field) = error.code { return field }
            return nil
        } catch {
            return nil
        }
    }
}
