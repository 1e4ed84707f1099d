import API
import Bus
import Foundation
import Logging
import ServiceLifecycle
import SwiftProtobuf

/// The MQTT side of ingest: joins the shared subscriptions `$share/harvestry-ingest/hv/v1/+/+/telemetry`,
/// `.../status`, `.../event` and `.../state` (QoS 1), so the broker hands each device message to exactly one server
/// instance, and feeds `TelemetryPipeline` with the site and device from the topic. The pipeline never throws: a
/// payload it cannot use is dead-lettered, so nothing a device sends stops the consumer.
///
/// Messages are spread over `lanes` serial lanes by device, so one device's batches and presence changes are handled
/// in arrival order while different devices are ingested concurrently. The consumer holds at most
/// `lanes × laneBuffer` messages: a device whose batch is being stored holds up only its own lane, and handing a
/// message to a lane never suspends the dispatcher (a suspension per message would make it wait behind every
/// ingest job on the executor, which capped it at about 2,000 messages/s); when the consumer is full the dispatcher
/// waits, and the client's bounded buffer and then the broker hold the rest. Many lanes keep many batches in
/// flight, which the pipeline's group commit turns into few transactions: ingest throughput is concurrency over
/// commit latency, so a few lanes cannot keep up with thousands of small device messages a second.
public struct MQTTIngest: Service {
    public struct Configuration: Sendable, Hashable {
        public var endpoint: MQTTEndpoint
        /// Unique per instance (1-23 characters); the default is random. `harvestry serve` uses `IngestClientID`.
        public var clientID: String
        /// Keep the session on the broker across disconnects and broker restarts, so the broker queues this
        /// instance's share of the telemetry while it is away. Needs a `clientID` that is stable across restarts
        /// (`harvestry serve` always does).
        public var persistentSession: Bool
        /// Devices ingested concurrently (at most this many batches in flight).
        public var lanes: Int
        /// Messages held per lane on average (the consumer holds at most `lanes × laneBuffer`).
        public var laneBuffer: Int

        public init(
            endpoint: MQTTEndpoint,
            clientID: String = MQTTIngest.randomClientID(),
            persistentSession: Bool = false,
            lanes: Int = 256,
            laneBuffer: Int = 4
        ) {
            self.endpoint = endpoint
            self.clientID = clientID
            self.persistentSession = persistentSession
            self.lanes = max(1, lanes)
            self.laneBuffer = max(1, laneBuffer)
        }

        /// What `harvestry serve` runs: a persistent session under the instance's stable client id, so telemetry
        /// published while the instance restarts is queued by the broker and ingested when it is back.
        public static func persistent(endpoint: MQTTEndpoint, clientID: IngestClientID) -> Configuration {
            Configuration(endpoint: endpoint, clientID: clientID.value, persistentSession: true)
        }
    }

    let pipeline: TelemetryPipeline
    let configuration: Configuration
    let logger: Logger
    let metrics: MQTTIngestMetrics
    let onSubscribed: @Sendable () -> Void

    /// `onSubscribed` runs once every subscription is acknowledged (tests wait for it before publishing).
    public init(
        pipeline: TelemetryPipeline,
        configuration: Configuration,
        logger: Logger,
        metrics: MQTTIngestMetrics = MQTTIngestMetrics(),
        onSubscribed: @escaping @Sendable () -> Void = {}
    ) {
        self.pipeline = pipeline
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.onSubscribed = onSubscribed
    }

    /// `harvestry-` and 12 random letters and digits.
    public static func randomClientID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "harvestry-" + String((0..<12).map { _ in alphabet.randomElement()! })
    }

    /// Connects (retrying while the broker is unreachable), subscribes and ingests until graceful shutdown; then
    /// stops taking messages, finishes the ones already received and disconnects.
    public func run() async throws {
        let endpoint = self.configuration.endpoint
        guard let client = try await self.connectRetrying() else { return }
        do {
            for subscription in DeviceTopic.ingestSubscriptions {
                try await client.subscribe(subscription, qos: .atLeastOnce)
            }
        } catch {
            await client.disconnect()
            throw error
        }
        self.logger.info(
            "ingesting device telemetry from MQTT",
            metadata: ["broker": "\(endpoint)", "subscription": "\(DeviceTopic.ingestSubscription)"]
        )
        self.onSubscribed()
        await withGracefulShutdownHandler {
            await self.consume(client.messages)
        } onGracefulShutdown: {
            client.beginDisconnect()
        }
        await client.disconnect()
    }

    func consume(_ messages: MQTTMessages) async {
        let lanes = (0..<self.configuration.lanes).map { _ in AsyncStream<InboundMessage>.makeStream() }
        let credits = MessageCredits(self.configuration.lanes * self.configuration.laneBuffer)
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    for await message in lane.stream {
                        await self.handle(message)
                        credits.release()
                    }
                }
            }
            // Handing a message to its lane never suspends; only a full consumer does (in `acquire`).
            for await message in messages {
                await credits.acquire()
                let inbound = InboundMessage(message)
                lanes[inbound.lane(count: lanes.count)].continuation.yield(inbound)
            }
            for lane in lanes { lane.continuation.finish() }
        }
    }

    func handle(_ inbound: InboundMessage) async {
        let (message, parts) = (inbound.message, inbound.topicParts)
        self.metrics.received(channel: parts.count == 5 ? parts[4] : "other", payloadBytes: message.payload.count)
        guard parts.count == 5 else { return }
        let (site, device) = (parts[2], parts[3])
        let deadLetterReason: String?
        switch parts[4] {
        case DeviceTopic.Channel.telemetry.rawValue:
            deadLetterReason = await self.pipeline.ingest(payload: message.payload, site: site, device: device)
                .deadLetterReason
        case DeviceTopic.Channel.status.rawValue:
            deadLetterReason = await self.status(message.payload, site: site, device: device)
        case DeviceTopic.Channel.event.rawValue:
            deadLetterReason = await self.pipeline.event(payload: message.payload, site: site, device: device)
        case DeviceTopic.Channel.state.rawValue:
            deadLetterReason = await self.pipeline.state(payload: message.payload, site: site, device: device)
        default:
            return
        }
        if let deadLetterReason { self.metrics.deadLettered(reason: deadLetterReason) }
    }

    /// A presence message: UTF-8 `online` / `offline` (the last will), or a `Status`. Returns the dead letter's
    /// reason, if it was dead-lettered.
    func status(_ payload: [UInt8], site: String, device: String) async -> String? {
        // An empty retained message only clears the broker's copy.
        guard !payload.isEmpty else { return nil }
        guard let siteID = UUID(uuidString: site) else {
            self.logger.warning("status for a topic that names no site id", metadata: ["site": "\(site.prefix(80))"])
            return nil
        }
        var status: Harvestry_Telemetry_V1_Status
        switch String(decoding: payload, as: UTF8.self) {
        case "online":
            status = .with { $0.connectivity = .online }
        case "offline":
            status = .with { $0.connectivity = .offline }
        default:
            // Not a Status either: CONNECTIVITY_UNSPECIFIED, which the pipeline dead-letters as MALFORMED_STATUS.
            status = (try? Harvestry_Telemetry_V1_Status(serializedBytes: payload)) ?? .init()
        }
        if status.deviceID.isEmpty { status.deviceID = device }
        return await self.pipeline.status(status, site: siteID, device: device)
    }
}

/// A received message with its topic split once (`hv/v1/{site}/{device}/{channel}`), for the dispatcher's choice
/// of lane and for the lane's handling.
struct InboundMessage: Sendable {
    let message: MQTTMessage
    let topicParts: [String]

    init(_ message: MQTTMessage) {
        self.message = message
        self.topicParts = message.topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// The lane for the topic's site and device: the same device always lands in the same lane.
    func lane(count: Int) -> Int {
        var hash: UInt32 = 2_166_136_261
        for part in self.topicParts.dropFirst(2).prefix(2) {
            for byte in part.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        }
        return Int(hash % UInt32(count))
    }
}
