import Bus
import Logging
import Synchronization

/// One broker connection of the simulator and the devices it carries (a `ConnectionPlan`): connects (retrying
/// with backoff while the broker is out of reach, everything meanwhile going to the spool), subscribes to each
/// device's `cmd` topic, publishes presence, runs the publish lanes, replays the spool after every (re)connect and
/// hands arriving commands to the simulation.
final class DeviceConnection: Sendable {
    let plan: ConnectionPlan
    let outbox: Outbox
    private let context: RuntimeContext
    private let deviceIDs: Set<DeviceID>
    private let client = Mutex<MQTTClient?>(nil)
    private let stopping = Atomic<Bool>(false)
    /// Connected once, presence published and spool replayed: set once, after the first connect.
    private let settled = Atomic<Bool>(false)
    private let events: AsyncStream<Bool>
    private let eventsContinuation: AsyncStream<Bool>.Continuation
    private let mapper: PayloadMapper

    /// Opens the connection's spool (`<spool dir>/<client id>.spool`, recovered on the file thread) first.
    static func open(plan: ConnectionPlan, context: RuntimeContext) async throws(SimFileError) -> DeviceConnection {
        let (spool, count) = try await QueuedSpool.open(
            path: "\(context.spoolDirectory)/\(plan.clientID).spool",
            io: context.fileIO
        )
        return DeviceConnection(
            plan: plan,
            context: context,
            outbox: Outbox(spool: spool, spooled: count, laneCount: context.laneCount)
        )
    }

    private init(plan: ConnectionPlan, context: RuntimeContext, outbox: Outbox) {
        self.plan = plan
        self.context = context
        self.deviceIDs = Set(plan.devices.map(\.id))
        self.outbox = outbox
        (self.events, self.eventsContinuation) = AsyncStream<Bool>.makeStream()
        self.mapper = PayloadMapper(site: context.site)
    }

    private var logger: Logger {
        var logger = self.context.logger
        logger[metadataKey: "connection"] = "\(self.plan.clientID)"
        return logger
    }

    /// Up, with its presence published and its spool replayed: what is submitted now goes straight out.
    var isLive: Bool { self.settled.load(ordering: .sequentiallyConsistent) && self.outbox.isLive }

    /// Runs until `close` (or cancellation).
    func run() async {
        guard let client = await self.connect() else { return }
        await withTaskGroup(of: Void.self) { group in
            for lane in self.outbox.laneStreams {
                group.addTask {
                    for await message in lane {
                        _ = await self.publish(message, spooled: false)
                        self.outbox.laneFinished()
                    }
                }
            }
            group.addTask { await self.receiveCommands(client) }
            group.addTask {
                for await connected in self.events where connected {
                    await self.publishPresence(online: true)
                    if self.outbox.beginDrain() { await self.drain() }
                    self.settled.store(true, ordering: .sequentiallyConsistent)
                }
            }
        }
    }

    /// Waits (at most `timeout`) until the lanes and the spool are empty, publishes `offline` for every device
    /// (a clean stop; a crash leaves it to the will), disconnects and ends `run`.
    func close(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !self.outbox.isIdle, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if !self.outbox.isIdle {
            self.logger.warning(
                "stopping with messages left in the spool",
                metadata: ["spooled": "\(self.outbox.spooledCount)"]
            )
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.publishPresence(online: false) }
            group.addTask { try? await Task.sleep(for: .seconds(5)) }
            _ = await group.next()
            group.cancelAll()
            self.stopping.store(true, ordering: .sequentiallyConsistent)
            await self.client.withLock { $0 }?.disconnect()
        }
        self.stopping.store(true, ordering: .sequentiallyConsistent)
        self.outbox.finishLanes()
        self.eventsContinuation.finish()
    }

    enum PublishOutcome {
        case acknowledged
        /// libmosquitto took it while its connection was breaking and sends it after the reconnect.
        case handedOver
        /// The broker refused it (sending it again would be refused again).
        case failed
        /// Never handed to the broker: the connection was being closed (or never made). A replayed record with
        /// this outcome stays in the spool.
        case notSent
    }

    /// Hands `message` to the broker connection. The ground truth records it unless it was `notSent`, at the
    /// instant of the hand-off.
    private func publish(_ message: OutboundMessage, spooled: Bool) async -> PublishOutcome {
        let handedOffAt = self.context.simNow
        if !spooled {
            self.context.stats.recordLateness(ContinuousClock.now - self.context.clock.wall(at: message.dueAt))
        }
        let outcome = await self.send(message)
        guard outcome != .notSent else { return outcome }
        self.context.truth?.record(.published(message, spooled: spooled, at: handedOffAt))
        self.context.stats.update {
            $0.published += 1
            if spooled { $0.replayed += 1 }
        }
        return outcome
    }

    private func send(_ message: OutboundMessage) async -> PublishOutcome {
        guard let client = self.client.withLock({ $0 }) else { return .notSent }
        do {
            try await client.publish(message.payload, to: message.topic, qos: .atLeastOnce, retain: message.retain)
            self.context.stats.update { $0.acknowledged += 1 }
            return .acknowledged
        } catch {
            if error.code == .connection {
                guard !self.stopping.load(ordering: .sequentiallyConsistent) else { return .notSent }
                self.context.stats.update { $0.handedOver += 1 }
                return .handedOver
            }
            self.context.stats.update { $0.failed += 1 }
            self.logger.warning("publish failed", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
            return .failed
        }
    }

    /// Replays the spool in order, one record at a time, each removed once the broker has it.
    private func drain() async {
        while true {
            let step: Outbox.DrainStep
            do {
                step = try await self.outbox.nextDrainStep()
            } catch {
                self.logger.error("cannot read the spool", metadata: ["error": "\(error)"])
                self.outbox.stopDraining()
                return
            }
            switch step {
            case .done:
                return
            case .wait:
                try? await Task.sleep(for: .milliseconds(5))
            case .publish(let messages, let records):
                let outcomes = await self.publishInLaneOrder(messages)
                // The connection closed under the replay (a stop past its drain timeout): the window stays in the
                // spool, whole, for the next run (what of it did reach the broker comes again: at least once).
                if outcomes.contains(.notSent) {
                    self.outbox.stopDraining()
                    return
                }
                do {
                    // A record the broker refused is dropped (logged): sending it again would refuse again.
                    try await self.outbox.drainDelivered(records)
                } catch {
                    self.logger.error("cannot advance the spool", metadata: ["error": "\(error)"])
                    self.outbox.stopDraining()
                    return
                }
                if outcomes.contains(.handedOver) {
                    self.outbox.stopDraining()
                    return
                }
            }
        }
    }

    /// Publishes `messages` over the lanes' split: one device's messages one after another, in order, devices of
    /// different lanes concurrently. A publish in flight when the connection breaks completes after the reconnect.
    private func publishInLaneOrder(_ messages: [OutboundMessage]) async -> [PublishOutcome] {
        let byLane = Dictionary(grouping: messages) { Outbox.lane(of: $0.device, count: self.context.laneCount) }
        return await withTaskGroup(of: [PublishOutcome].self) { group in
            for (_, laneMessages) in byLane {
                group.addTask {
                    var outcomes: [PublishOutcome] = []
                    for message in laneMessages { outcomes.append(await self.publish(message, spooled: true)) }
                    return outcomes
                }
            }
            var outcomes: [PublishOutcome] = []
            for await laneOutcomes in group { outcomes += laneOutcomes }
            return outcomes
        }
    }

    private func connect() async -> MQTTClient? {
        let willPayload = self.mapper.status(device: self.plan.willDevice, online: false, at: self.context.simNow)
        let broker = self.context.broker(self.plan.group)
        let configuration = MQTTClientConfiguration(
            host: broker.host,
            port: broker.port,
            clientID: self.plan.clientID,
            cleanSession: false,
            keepAliveSeconds: self.context.keepAliveSeconds,
            will: MQTTWill(topic: willPayload.topic, payload: willPayload.payload)
        )
        var delay: Duration = .seconds(1)
        while !self.stopping.load(ordering: .sequentiallyConsistent), !Task.isCancelled {
            do {
                let client = try await MQTTClient.connect(configuration, logger: self.logger) {
                    [outbox, eventsContinuation, stats = self.context.stats] connected in
                    outbox.setConnected(connected)
                    stats.update { $0.connected += connected ? 1 : -1 }
                    eventsContinuation.yield(connected)
                }
                self.client.withLock { $0 = client }
                await forEachConcurrently(self.plan.devices, width: 32) { device in
                    let topic = PayloadMapper.topic(site: self.context.site, device: device.id, channel: "cmd")
                    do {
                        try await client.subscribe(topic)
                    } catch {
                        self.logger.warning("cannot subscribe", metadata: ["topic": "\(topic)", "error": "\(error)"])
                    }
                }
                self.context.stats.update { $0.connected += 1 }
                self.outbox.setConnected(true)
                self.eventsContinuation.yield(true)
                return client
            } catch {
                self.logger.warning(
                    "cannot connect to the broker, retrying",
                    metadata: ["broker": "\(broker)", "error": "\(error)", "delay": "\(delay)"]
                )
            }
            let until = ContinuousClock.now + delay
            while ContinuousClock.now < until, !self.stopping.load(ordering: .sequentiallyConsistent) {
                try? await Task.sleep(for: .milliseconds(100))
            }
            delay = min(delay * 2, .seconds(8))
        }
        return nil
    }

    /// Retained `Status` ONLINE/OFFLINE for the will's device (controller or gateway) and every device.
    private func publishPresence(online: Bool) async {
        guard let client = self.client.withLock({ $0 }) else { return }
        var ids = self.plan.devices.map(\.id)
        if !self.deviceIDs.contains(self.plan.willDevice) { ids.append(self.plan.willDevice) }
        let now = self.context.simNow
        await forEachConcurrently(ids, width: 32) { id in
            let status = self.mapper.status(device: id, online: online, at: now)
            _ = try? await client.publish(status.payload, to: status.topic, qos: .atLeastOnce, retain: true)
        }
    }

    private func receiveCommands(_ client: MQTTClient) async {
        for await message in client.messages {
            guard let topic = try? DeviceTopic(parsing: message.topic), topic.channel == .cmd,
                self.deviceIDs.contains(topic.device)
            else { continue }
            switch CommandDecoding.decode(message.payload, device: topic.device) {
            case .command(let command):
                self.context.stats.update { $0.commands += 1 }
                self.context.inbox.put(command)
            case .rejected(let commandID, let reason):
                self.context.stats.update { $0.rejectedCommands += 1 }
                let now = self.context.simNow
                self.logger.warning(
                    "invalid command rejected",
                    metadata: ["device": "\(topic.device)", "command_id": "\(commandID)", "reason": "\(reason)"]
                )
                self.context.truth?.record(
                    .command(id: commandID, name: nil, rejection: reason, device: topic.device, at: now)
                )
                let ack = OutboundMessage(
                    device: topic.device,
                    channel: .ack,
                    topic: PayloadMapper.topic(site: self.context.site, device: topic.device, channel: "ack"),
                    payload: PayloadMapper.ack(
                        device: topic.device,
                        commandID: commandID,
                        stage: .rejected,
                        reason: reason,
                        at: now
                    ),
                    retain: false,
                    sequence: 0,
                    dueAt: now
                )
                do {
                    try await self.outbox.submit([ack])
                } catch {
                    self.logger.error("cannot spool an ack", metadata: ["error": "\(error)"])
                }
            case .unreadable(let reason):
                self.logger.warning(
                    "unreadable command ignored",
                    metadata: ["device": "\(topic.device)", "reason": "\(reason)"]
                )
            }
        }
    }
}
