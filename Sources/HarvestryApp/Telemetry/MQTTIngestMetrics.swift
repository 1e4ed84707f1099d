import Metrics
import Synchronization

/// The MQTT consumer's metrics, through swift-metrics (`factory`, by default the process's `MetricsSystem`):
///
/// - `harvestry_mqtt_messages_received_total{channel}` and `harvestry_mqtt_payload_bytes_total{channel}`: what
///   arrived, by the topic's channel (`telemetry`, `status`, `event`, `state`; `other` for anything else);
/// - `harvestry_mqtt_dead_letters_total{reason}`: device messages dead-lettered, by reason;
/// - `harvestry_mqtt_connected`: 1 while connected to the broker, 0 while not;
/// - `harvestry_mqtt_reconnects_total`: connections lost and made again;
/// - `harvestry_mqtt_connect_failures_total`: failed attempts of the first connect.
public final class MQTTIngestMetrics: Sendable {
    static let channels = ["telemetry", "status", "event", "state", "other"]

    private let factory: any MetricsFactory
    private let messages: [String: Counter]
    private let bytes: [String: Counter]
    private let deadLetters = Mutex<[String: Counter]>([:])
    private let connectedGauge: Gauge
    private let reconnects: Counter
    private let connectFailures: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        var messages: [String: Counter] = [:]
        var bytes: [String: Counter] = [:]
        for channel in Self.channels {
            let dimensions = [("channel", channel)]
            messages[channel] = Counter(
                label: "harvestry_mqtt_messages_received_total",
                dimensions: dimensions,
                factory: factory
            )
            bytes[channel] = Counter(
                label: "harvestry_mqtt_payload_bytes_total",
                dimensions: dimensions,
                factory: factory
            )
        }
        self.messages = messages
        self.bytes = bytes
        self.connectedGauge = Gauge(label: "harvestry_mqtt_connected", factory: factory)
        self.reconnects = Counter(label: "harvestry_mqtt_reconnects_total", factory: factory)
        self.connectFailures = Counter(label: "harvestry_mqtt_connect_failures_total", factory: factory)
    }

    func received(channel: String, payloadBytes: Int) {
        let channel = self.messages[channel] == nil ? "other" : channel
        self.messages[channel]?.increment()
        self.bytes[channel]?.increment(by: payloadBytes)
    }

    func deadLettered(reason: String) {
        let counter = self.deadLetters.withLock { counters in
            if let counter = counters[reason] { return counter }
            let counter = Counter(
                label: "harvestry_mqtt_dead_letters_total",
                dimensions: [("reason", reason)],
                factory: self.factory
            )
            counters[reason] = counter
            return counter
        }
        counter.increment()
    }

    /// The connection came up (`reconnect`: after it had been lost) or went down.
    func connection(up: Bool, reconnect: Bool = false) {
        self.connectedGauge.record(up ? 1 : 0)
        if up && reconnect { self.reconnects.increment() }
    }

    func connectFailed() {
        self.connectFailures.increment()
    }
}
