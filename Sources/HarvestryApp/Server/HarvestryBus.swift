import Bus
import Logging

/// The broker `harvestry serve` uses: `MQTT_URL`, or the embedded Mosquitto in `<data dir>/mosquitto`, started here
/// and stopped by `close()`.
public final class HarvestryBus: Sendable {
    public let endpoint: MQTTEndpoint
    private let embedded: EmbeddedMosquitto?

    private init(endpoint: MQTTEndpoint, embedded: EmbeddedMosquitto?) {
        self.endpoint = endpoint
        self.embedded = embedded
    }

    public static func open(
        url endpoint: MQTTEndpoint?,
        dataDirectory: String,
        logger: Logger
    ) async throws(BusError) -> HarvestryBus {
        if let endpoint { return HarvestryBus(endpoint: endpoint, embedded: nil) }
        let broker = EmbeddedMosquitto(
            configuration: .init(dataDirectory: dataDirectory + "/mosquitto"),
            logger: logger
        )
        try await broker.start()
        guard let port = await broker.port else {
            await broker.stop()
            throw BusError(code: .embeddedBroker, message: "the embedded broker started without a port")
        }
        return HarvestryBus(endpoint: MQTTEndpoint(host: "127.0.0.1", port: port), embedded: broker)
    }

    /// Stops the embedded broker, if this process started one.
    public func close() async {
        await self.embedded?.stop()
    }
}
