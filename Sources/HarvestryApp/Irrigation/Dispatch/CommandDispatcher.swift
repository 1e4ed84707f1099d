import Bus
import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// The command plane's dispatcher (docs/irrigation.md, "Command dispatcher"). It drains the outbox: claims due
/// commands (`FOR UPDATE SKIP LOCKED`, so several instances cooperate), publishes each as a `Command` on
/// `hv/v1/{site}/{device}/cmd` (QoS 1), consumes the devices' acks through the shared subscription
/// `$share/harvestry-dispatch/hv/v1/+/+/ack` (each ack reaches one instance), records them, sweeps expired commands,
/// and tells `sink` about every command that reached a final status.
///
/// It wakes on a new command (LISTEN on migration 0012's insert trigger), at the outbox's next ack deadline or
/// expiry (`nextCommandDue`), and at least every `fallbackPoll`. While the broker is unreachable it claims nothing
/// (a QUEUED command stays QUEUED and expires by the sweep instead of firing late) but keeps sweeping. Publishing
/// never holds up the loop: a publish that fails (or waits for a PUBACK across an outage) leaves the command SENT,
/// and its ack deadline brings it back to the next claim with the same key.
public struct CommandDispatcher: Service {
    public struct Configuration: Sendable, Hashable {
        public var endpoint: MQTTEndpoint
        /// A clean session; unique per instance (1-23 characters).
        public var clientID: String
        /// Commands per claim (1-1000).
        public var claimLimit: Int
        /// The longest the loop sleeps without a NOTIFY or a known deadline.
        public var fallbackPoll: Duration
        /// Publishes awaiting their PUBACK at once; acks held (× 8) before the broker holds the rest.
        public var concurrency: Int
        /// Ack batches written at once (each one transaction). Two measured best on two cores (1: 215 ms p99, 2:
        /// 63 ms, 8: 80 ms at 1,000 commands/s; docs/benchmarks.md): fewer, larger batches beat more concurrency.
        public var ackWriters: Int

        public init(
            endpoint: MQTTEndpoint,
            clientID: String = CommandDispatcher.randomClientID(),
            claimLimit: Int = 200,
            fallbackPoll: Duration = .seconds(2),
            concurrency: Int = 64,
            ackWriters: Int = 2
        ) {
            self.endpoint = endpoint
            self.clientID = clientID
            self.claimLimit = min(max(1, claimLimit), 1_000)
            self.fallbackPoll = max(fallbackPoll, .milliseconds(10))
            self.concurrency = max(1, concurrency)
            self.ackWriters = max(1, ackWriters)
        }
    }

    /// The shared-subscription group of the dispatchers.
    public static let ackGroup = "harvestry-dispatch"
    /// `$share/harvestry-dispatch/hv/v1/+/+/ack`.
    public static var ackSubscription: String { "$share/\(ackGroup)/\(DeviceTopic.prefix)/+/+/ack" }

    /// `hv-cmd-` and 12 random letters and digits.
    public static func randomClientID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "hv-cmd-" + String((0..<12).map { _ in alphabet.randomElement()! })
    }

    let outbox: any CommandOutbox
    let database: PostgresClient?
    let sink: any CommandSettlementSink
    let configuration: Configuration
    let logger: Logger
    let metrics: CommandDispatchMetrics
    let now: @Sendable () -> Date
    let onReady: @Sendable () -> Void

    /// `database` is where to LISTEN for new commands (nil: deadlines and the fallback poll only). `onReady` runs
    /// once the ack subscription is acknowledged (tests wait for it).
    public init(
        outbox: any CommandOutbox,
        database: PostgresClient?,
        sink: any CommandSettlementSink,
        configuration: Configuration,
        logger: Logger,
        metrics: CommandDispatchMetrics = CommandDispatchMetrics(),
        now: @escaping @Sendable () -> Date = { Date() },
        onReady: @escaping @Sendable () -> Void = {}
    ) {
        self.outbox = outbox
        self.database = database
        self.sink = sink
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.now = now
        self.onReady = onReady
    }

    public func run() async throws {
        let link = DispatchLink()
        guard let client = try await self.connectRetrying(link) else { return }
        do {
            try await client.subscribe(Self.ackSubscription, qos: .atLeastOnce)
        } catch {
            await client.disconnect()
            throw error
        }
        self.logger.info(
            "dispatching device commands",
            metadata: ["broker": "\(self.configuration.endpoint)", "subscription": "\(Self.ackSubscription)"]
        )
        self.onReady()
        let publisher = AsyncStream<StoredCommand>.makeStream()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.consumeAcks(client.messages) }
                group.addTask { await self.publish(publisher.stream, on: client) }
                await withDiscardingTaskGroup { listener in
                    listener.addTask { await self.listen(link) }
                    await self.claimLoop(link, publish: publisher.continuation)
                    listener.cancelAll()
                }
                // The publishes and acks in hand finish; then the acks end with the connection.
                publisher.continuation.finish()
                client.beginDisconnect()
            }
        } onGracefulShutdown: {
            link.stop()
        }
        await client.disconnect()
    }
}

/// What the dispatcher's tasks share: the broker connection's state, the stop flag and the wake-up.
final class DispatchLink: Sendable {
    let wakeup = DispatchWakeup()
    private let state = Mutex((connected: true, stopped: false))
    private let dueChecked = Mutex<ContinuousClock.Instant?>(nil)

    /// When the claim loop last asked for the outbox's next deadlines (the claim loop's own bookkeeping).
    var dueCheckedAt: ContinuousClock.Instant? {
        get { self.dueChecked.withLock { $0 } }
        set { self.dueChecked.withLock { $0 = newValue } }
    }

    var connected: Bool { self.state.withLock { $0.connected } }
    var stopped: Bool { self.state.withLock { $0.stopped } }

    func connection(up: Bool) {
        self.state.withLock { $0.connected = up }
        if up { self.wakeup.signal() }
    }

    func stop() {
        self.state.withLock { $0.stopped = true }
        self.wakeup.signal()
    }
}
