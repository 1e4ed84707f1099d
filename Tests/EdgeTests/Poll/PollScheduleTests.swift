import Edge
import Testing

@Suite("PollSchedule")
struct PollScheduleTests {
    @Test func requestsKeepTheGapAndBlocksKeepThePollInterval() throws {
        var schedule = PollSchedule(pollInterval: .seconds(5), requestGap: .milliseconds(30), maxBackoff: .seconds(60))
        let start = ContinuousClock.now
        #expect(schedule.earliest(block: 0) == nil)
        schedule.ended(block: 0, at: start)
        #expect(schedule.earliest(block: 1) == start + .milliseconds(30))
        schedule.ended(block: 1, at: start + .milliseconds(100))
        #expect(schedule.earliest(block: 0) == start + .seconds(5))
        #expect(schedule.earliest(block: 1) == start + .milliseconds(5100))
        #expect(schedule.earliest(block: 2) == start + .milliseconds(130))
    }

    @Test func failuresDoubleTheIntervalUpToTheMaximum() {
        let schedule = PollSchedule(pollInterval: .seconds(5), requestGap: .zero, maxBackoff: .seconds(60))
        #expect(
            (0...6).map { schedule.delay(afterConsecutiveFailures: $0) } == [
                .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60), .seconds(60),
            ]
        )
        #expect(schedule.delay(afterConsecutiveFailures: 1_000_000) == .seconds(60))
    }
}
