import Simulator
import Testing

@Suite struct SimInstantTests {
    @Test func splitsIntoProtobufSecondsAndNanos() {
        let instant = SimInstant(nanosecondsSinceEpoch: 1_700_000_000_250_000_000)
        #expect(instant.secondsAndNanos.seconds == 1_700_000_000)
        #expect(instant.secondsAndNanos.nanos == 250_000_000)
        #expect(instant.description == "1700000000.250000000s")
    }

    @Test func splitsInstantsBeforeTheEpochWithNonNegativeNanos() {
        let instant = SimInstant(nanosecondsSinceEpoch: -1)
        #expect(instant.secondsAndNanos.seconds == -1)
        #expect(instant.secondsAndNanos.nanos == 999_999_999)
    }

    @Test func addsAndSubtractsDurations() {
        let start = SimInstant(secondsSinceEpoch: 100)
        let later = start + .milliseconds(1500)
        #expect(later.nanosecondsSinceEpoch == 101_500_000_000)
        #expect(later - start == .milliseconds(1500))
        #expect(later - .seconds(1) > start)
    }
}
