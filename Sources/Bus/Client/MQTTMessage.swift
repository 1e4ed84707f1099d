/// A message the client received.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// Delivered from the broker's retained store rather than published live.
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// Delivery guarantee. QoS 2 is not offered: the device protocol relies on idempotent receivers instead
/// (docs/device-protocol.md).
public enum MQTTQoS: Int32, Sendable, Hashable {
    /// At most once: no acknowledgement.
    case atMostOnce = 0
    /// At least once: the broker acknowledges with PUBACK; duplicates are possible.
    case atLeastOnce = 1
}

/// What the broker said to a QoS 1 publish it accepted.
public enum PublishOutcome: Sendable, Hashable {
    /// Accepted and handed to subscribers (or, for QoS 0 and MQTT 3.1.1, accepted: those cannot tell more).
    case accepted
    /// MQTT 5 PUBACK reason 0x10: accepted, but nobody subscribes to the topic, so the broker dropped it. A device
    /// keeps such a telemetry batch and sends it again later (docs/device-protocol.md): on a shared subscription this
    /// is the moment between a broker restart and the consumers subscribing again.
    case noMatchingSubscribers
}

/// A message the broker publishes for a client whose connection dies without a DISCONNECT.
public struct MQTTWill: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = true) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}
