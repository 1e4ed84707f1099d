import Bus
import Logging

/// What every connection of a run shares.
struct RuntimeContext: Sendable {
    var site: String
    /// The endpoint of each device group's connections (the broker, or the group's fault proxy).
    var broker: @Sendable (String) -> MQTTEndpoint
    var keepAliveSeconds: Int
    var laneCount: Int
    var spoolDirectory: String
    /// The run's file thread: every spool's blocking file work, in order.
    var fileIO: FileIOQueue
    /// The run's clock: frozen at the start until every connection is up (or `connectWait` passed), then running.
    var currentClock: @Sendable () -> SimClock
    var truth: TruthRecorder?
    var stats: RuntimeStats
    var inbox: CommandInbox
    var logger: Logger

    var clock: SimClock { self.currentClock() }

    /// The simulated instant now (for acks the runtime answers itself and status timestamps).
    var simNow: SimInstant { self.clock.sim(at: .now) }
}

/// Runs `body` over `items`, at most `width` at a time.
func forEachConcurrently<Item: Sendable>(
    _ items: [Item],
    width: Int,
    _ body: @escaping @Sendable (Item) async -> Void
) async {
    await withTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        for _ in 0..<max(1, width) {
            guard let item = iterator.next() else { break }
            group.addTask { await body(item) }
        }
        while await group.next() != nil {
            guard let item = iterator.next() else { continue }
            group.addTask { await body(item) }
        }
    }
}
