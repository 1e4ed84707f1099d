import Bus
import Foundation
import Logging
import Simulator
import Synchronization

/// A real Mosquitto (the product's launcher) with a fault proxy in front of it, for MQTT-level fault tests.
enum MQTTThroughProxy {
    static func withBrokerAndProxy<T>(
        _ body: (_ brokerPort: Int, _ proxy: FaultProxy, _ proxyPort: Int) async throws -> T
    ) async throws -> T {
        let directory = NSTemporaryDirectory() + "harvestry-proxy-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory), logger: ProxyFixture.logger)
        try await broker.start()
        let brokerPort = await broker.port ?? 0
        let proxy = FaultProxy(
            .init(name: "broker-zone-a", group: "zone-a", upstreamPort: brokerPort),
            group: ProxyFixture.loops,
            logger: ProxyFixture.logger
        )
        do {
            let proxyPort = try await proxy.start()
            let value = try await body(brokerPort, proxy, proxyPort)
            await proxy.stop()
            await broker.stop()
            return value
        } catch {
            await proxy.stop()
            await broker.stop()
            throw error
        }
    }

    static func clientID(_ prefix: String) -> String {
        prefix + "-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
    }

    static func connect(
        port: Int,
        id: String = clientID("c"),
        onConnectionChange: @escaping @Sendable (Bool) -> Void = { _ in }
    ) async throws -> MQTTClient {
        try await MQTTClient.connect(
            .init(
                port: port,
                clientID: id,
                keepAliveSeconds: 5,
                reconnectDelaySeconds: 1,
                reconnectDelayMaxSeconds: 2
            ),
            logger: ProxyFixture.logger,
            onConnectionChange: onConnectionChange
        )
    }

    /// A device's publish: refused while disconnected, tried again (at most 300 x 100 ms).
    static func publishRetrying(_ client: MQTTClient, _ text: String, to topic: String) async throws {
        for _ in 0..<300 {
            let failure: BusError
            do {
                try await client.publish(Array(text.utf8), to: topic)
                return
            } catch {
                failure = error
            }
            guard failure.code == .connection else { throw failure }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await client.publish(Array(text.utf8), to: topic)
    }
}

/// What a subscriber received and what the connection callback said, for bounded waits.
final class ProxyMQTTObserved: Sendable {
    private let state = Mutex((payloads: [String](), connectionChanges: [Bool](), acknowledged: false))

    var payloads: [String] { self.state.withLock { $0.payloads } }
    var connectionChanges: [Bool] { self.state.withLock { $0.connectionChanges } }

    /// Whether the publish under test was acknowledged.
    var acknowledged: Bool { self.state.withLock { $0.acknowledged } }

    func acknowledge() { self.state.withLock { $0.acknowledged = true } }

    func connectionChanged(_ connected: Bool) { self.state.withLock { $0.connectionChanges.append(connected) } }

    func drain(_ messages: MQTTMessages) async {
        for await message in messages {
            self.state.withLock { $0.payloads.append(String(decoding: message.payload, as: UTF8.self)) }
        }
    }
}
