/// How an `MQTTClient` connects. `validate()` checks every field and names the bad one.
public struct MQTTClientConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// 1-23 letters, digits, `-` or `_` (`TopicValidation.validateClientID`). Stable for persistent sessions.
    public var clientID: String
    /// false keeps the session (subscriptions and queued QoS 1 messages) on the broker across disconnects.
    public var cleanSession: Bool
    /// Seconds between PINGREQs when idle; the broker drops the client (and publishes its will) after 1.5 x this.
    public var keepAliveSeconds: Int
    public var will: MQTTWill?
    /// Reconnect backoff after the connection breaks: doubling from `reconnectDelay` up to `reconnectDelayMax`.
    public var reconnectDelaySeconds: Int
    public var reconnectDelayMaxSeconds: Int
    /// How long `connect` waits for the broker's CONNACK.
    public var connectTimeout: Duration
    /// Received messages buffered for the consumer before libmosquitto's network thread waits for it to catch up
    /// (back-pressure onto the broker instead of unbounded memory).
    public var receiveBufferSize: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        clientID: String,
        cleanSession: Bool = true,
        keepAliveSeconds: Int = 30,
        will: MQTTWill? = nil,
        reconnectDelaySeconds: Int = 1,
        reconnectDelayMaxSeconds: Int = 8,
        connectTimeout: Duration = .seconds(10),
        receiveBufferSize: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAliveSeconds = keepAliveSeconds
        self.will = will
        self.reconnectDelaySeconds = reconnectDelaySeconds
        self.reconnectDelayMaxSeconds = reconnectDelayMaxSeconds
        self.connectTimeout = connectTimeout
        self.receiveBufferSize = receiveBufferSize
    }

    /// MQTT 5 for clean sessions; 3.1.1 for persistent ones, because libmosquitto 2.0's `mosquitto_reconnect` sends
    /// its CONNECT without properties, and an MQTT 5 session without a session-expiry property ends at the next
    /// disconnect. A 3.1.1 `clean_session = false` session lives until the broker expires it.
    var usesMQTT5: Bool { self.cleanSession }

    public func validate() throws(BusError) {
        guard !self.host.isEmpty, !self.host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw BusError.invalid("host", "'\(self.host.prefix(80))' is not a host name or IP address")
        }
        guard (1...65_535).contains(self.port) else {
            throw BusError.invalid("port", "\(self.port) is not between 1 and 65535")
        }
        try TopicValidation.validateClientID(self.clientID)
        guard (5...65_535).contains(self.keepAliveSeconds) else {
            throw BusError.invalid("keep_alive_seconds", "\(self.keepAliveSeconds) is not between 5 and 65535")
        }
        if let will {
            try TopicValidation.validateTopic(will.topic, field: "will.topic")
        }
        guard self.reconnectDelaySeconds >= 1, self.reconnectDelayMaxSeconds >= self.reconnectDelaySeconds else {
            throw BusError.invalid("reconnect_delay_seconds", "must be at least 1 and at most the maximum")
        }
        guard self.receiveBufferSize >= 1 else {
            throw BusError.invalid("receive_buffer_size", "must be at least 1")
        }
    }
}
