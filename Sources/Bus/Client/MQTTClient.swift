import CMosquitto
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An MQTT client over libmosquitto: a network thread of its own runs `mosquitto_loop` and reconnects with
/// exponential backoff; libmosquitto's callbacks there resume the async callers. MQTT 5 for clean sessions, 3.1.1 for
/// persistent ones (see `MQTTClientConfiguration`).
///
/// QoS 1 `publish` returns when the broker's PUBACK arrives (a publish in flight when the connection breaks is
/// resent after the reconnect and completes then). `subscribe` returns on SUBACK; every subscription is made again
/// after each reconnect. `messages` yields what arrives, bounded by `receiveBufferSize`.
public final class MQTTClient: Sendable {
    public let configuration: MQTTClientConfiguration
    private let handle: MosquittoHandle

    private init(configuration: MQTTClientConfiguration, handle: MosquittoHandle) {
        self.configuration = configuration
        self.handle = handle
    }

    /// `mqtt://host:port`, for logs and errors.
    public var endpoint: String { self.handle.state.endpoint }

    /// Received messages; ends after `disconnect()`.
    public var messages: MQTTMessages { MQTTMessages(buffer: self.handle.state.buffer) }

    /// Connects and waits for the broker's CONNACK (at most `connectTimeout`). `onConnectionChange` is told `false`
    /// when the connection breaks and `true` when a reconnect succeeds (on libmosquitto's network thread: keep it
    /// short).
    public static func connect(
        _ configuration: MQTTClientConfiguration,
        logger: Logger = Logger(label: "harvestry.mqtt"),
        onConnectionChange: @escaping @Sendable (_ connected: Bool) -> Void = { _ in }
    ) async throws(BusError) -> MQTTClient {
        try configuration.validate()
        let endpoint = "mqtt://\(configuration.host):\(configuration.port)"
        let state = ClientState(
            receiveBufferSize: configuration.receiveBufferSize,
            endpoint: endpoint,
            logger: logger,
            onConnectionChange: onConnectionChange
        )
        let handle = try MosquittoHandle(
            clientID: configuration.clientID,
            cleanSession: configuration.cleanSession,
            state: state
        )
        try Self.configure(handle.pointer, configuration)
        let pointer = SendablePointer(handle.pointer)
        let (rc, systemError) = await onOwnThread("mqtt-connect") {
            let rc = mosquitto_connect_bind_v5(
                pointer.value,
                configuration.host,
                Int32(configuration.port),
                Int32(configuration.keepAliveSeconds),
                nil,
                nil
            )
            return (rc, errno)
        }
        guard rc == Mosquitto.success else {
            throw Mosquitto.error(rc, "connecting to \(endpoint)", code: .connection, systemError: systemError)
        }
        handle.startLoop(
            reconnectDelaySeconds: configuration.reconnectDelaySeconds...configuration.reconnectDelayMaxSeconds
        )
        let connack = await Self.awaitConnack(state, timeout: configuration.connectTimeout)
        guard connack == 0 else {
            await handle.shutdown(abrupt: false)
            let reason =
                switch connack {
                case ClientState.timedOutCode: "no CONNACK within \(configuration.connectTimeout)"
                case ClientState.closedCode: "the client closed"
                default: Mosquitto.reason(connack)
                }
            throw BusError(
                code: .connection,
                message: "connecting to \(endpoint) as '\(configuration.clientID)': \(reason)"
            )
        }
        logger.debug("connected to the MQTT broker", metadata: ["broker": "\(endpoint)"])
        return MQTTClient(configuration: configuration, handle: handle)
    }

    private static func configure(_ mosq: OpaquePointer, _ configuration: MQTTClientConfiguration) throws(BusError) {
        let version = configuration.usesMQTT5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        var rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, Int32(version))
        guard rc == Mosquitto.success else { throw Mosquitto.error(rc, "setting the MQTT protocol version") }
        // Nagle's algorithm would hold a small publish (a command, an ack) back until the previous segment's TCP ACK,
        // which the peer may delay by up to 40 ms: off, as the embedded broker's `set_tcp_nodelay true`.
        rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1)
        guard rc == Mosquitto.success else { throw Mosquitto.error(rc, "disabling Nagle's algorithm") }
        if let will = configuration.will {
            rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(
                    mosq,
                    will.topic,
                    Int32(bytes.count),
                    bytes.baseAddress,
                    will.qos.rawValue,
                    will.retain,
                    nil
                )
            }
            guard rc == Mosquitto.success else { throw Mosquitto.error(rc, "setting the last will on \(will.topic)") }
        }
    }

    private static func awaitConnack(_ state: ClientState, timeout: Duration) async -> Int32 {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await state.awaitConnack() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                state.settleConnack(ClientState.timedOutCode)
                return nil
            }
            var result: Int32 = ClientState.timedOutCode
            while let next = await group.next() {
                if let code = next {
                    result = code
                    group.cancelAll()
                }
            }
            return result
        }
    }

    /// Publishes `payload` to `topic`; with QoS 1, returns when the broker has acknowledged it, with what the
    /// acknowledgement says (over MQTT 5, `.noMatchingSubscribers` when the broker had nobody to give it to).
    @discardableResult
    public func publish(
        _ payload: [UInt8],
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false
    ) async throws(BusError) -> PublishOutcome {
        try TopicValidation.validateTopic(topic)
        guard !self.handle.state.isClosing else { throw self.closedError("publishing to \(topic)") }
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(
                self.handle.pointer,
                &mid,
                topic,
                Int32(bytes.count),
                bytes.baseAddress,
                qos.rawValue,
                retain,
                nil
            )
        }
        guard rc == Mosquitto.success else { throw Mosquitto.error(rc, "publishing to \(topic)") }
        guard qos == .atLeastOnce else {
            self.handle.state.ignoreAcknowledgement(of: mid)
            return .accepted
        }
        let code = await self.handle.state.awaitAcknowledgement(of: mid)
        if code == ClientState.closedCode { throw self.closedError("publishing to \(topic)") }
        guard code < 0x80 else {
            throw BusError(
                code: .protocolError,
                message: "the broker refused a publish to \(topic): \(Mosquitto.reason(code))"
            )
        }
        return code == Self.noMatchingSubscribers ? .noMatchingSubscribers : .accepted
    }

    /// MQTT 5 reason code 0x10 (No matching subscribers), a success code on PUBACK.
    static let noMatchingSubscribers: Int32 = 0x10

    /// Subscribes to `filter` (wildcards and `$share/{group}/...` allowed); returns on the broker's SUBACK.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(BusError) {
        try TopicValidation.validateFilter(filter)
        guard !self.handle.state.isClosing else { throw self.closedError("subscribing to \(filter)") }
        self.handle.state.remember(subscription: filter, qos: qos)
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_v5(self.handle.pointer, &mid, filter, qos.rawValue, 0, nil)
        guard rc == Mosquitto.success else { throw Mosquitto.error(rc, "subscribing to \(filter)") }
        let code = await self.handle.state.awaitAcknowledgement(of: mid)
        if code == ClientState.closedCode { throw self.closedError("subscribing to \(filter)") }
        guard code < 0x80 else {
            throw BusError(
                code: .protocolError,
                message: "the broker refused the subscription \(filter): \(Mosquitto.reason(code))"
            )
        }
    }

    /// Sends DISCONNECT (the broker discards the will), stops the network thread and ends `messages`. Waiting
    /// publishes and subscribes fail with `.connection`.
    public func disconnect() async {
        await self.handle.shutdown(abrupt: false)
    }

    /// Starts `disconnect()` without waiting: no new messages arrive, and `messages` ends after the ones already
    /// received (for a graceful-shutdown handler, which cannot wait). Call `disconnect()` afterwards to join.
    public func beginDisconnect() {
        self.handle.beginShutdown(abrupt: false)
    }

    /// Drops the connection without a DISCONNECT, as a crash or a cut cable would: the broker publishes the will.
    /// For tests and drills.
    public func dropConnection() async {
        await self.handle.shutdown(abrupt: true)
    }

    private func closedError(_ operation: String) -> BusError {
        BusError(code: .connection, message: "\(operation): the client to \(self.endpoint) is disconnected")
    }
}
