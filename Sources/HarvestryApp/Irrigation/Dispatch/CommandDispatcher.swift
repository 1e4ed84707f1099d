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
        /// Claimed commands not yet published (awaiting their PUBACK or their turn in their device's lane): the
        /// claim loop claims no more than this; acks held (× 8) before the broker holds the rest.
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
    /// Settlements on their way to `sink`, drained by their own task (`reportSettlements`), so the run engine's
    /// queries never hold up claiming or ack writing. Finished when `run()` stops: a dispatcher runs once.
    let settlements: HandoffBuffer<StoredCommand>

    /// Settlements held for the sink before claiming and ack writing wait for it (backpressure; none dropped).
    static let settlementCapacity = 1_024

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
        self.settlements = HandoffBuffer(capacity: Self.settlementCapacity)
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
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { reporter in
                reporter.addTask { await self.reportSettlements() }
                await self.dispatch(link, on: client)
                // Every settlement the loops handed over reaches the sink before the dispatcher stops.
                self.settlements.finish()
            }
        } onGracefulShutdown: {
            link.stop()
        }
        await client.disconnect()
    }

    /// Claims, publishes and records acks until stopped, then lets the publishes and acks in hand finish.
    private func dispatch(_ link: DispatchLink, on client: MQTTClient) async {
        let lanes = PublishLanes(capacity: self.configuration.concurrency)
        let publisher = AsyncStream<PublishLanes.DeviceKey>.makeStream()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.consumeAcks(client.messages) }
            group.addTask { await self.publish(publisher.stream, lanes: lanes, link: link, on: client) }
            await withDiscardingTaskGroup { listener in
                listener.addTask { await self.listen(link) }
                await self.claimLoop(link, lanes: lanes, publish: publisher.continuation)
                listener.cancelAll()
            }
            // The publishes and acks in hand finish; then the acks end with the connection.
            publisher.continuation.finish()
            client.beginDisconnect()
        }
    }

    /// Hands settlements to the sink in order, in batches, until `settlements` is finished and drained.
    private func reportSettlements() async {
        while let batch = await self.settlements.take(limit: Self.settlementBatchLimit) {
            await self.sink.commandsSettled(batch)
            self.settlements.release(batch.count)
        }
    }

    /// Most settlements one `commandsSettled` call carries.
    static let settlementBatchLimit = 200
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
