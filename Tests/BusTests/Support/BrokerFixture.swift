import Bus
import Foundation
import Logging
import Synchronization
import Testing

/// A real Mosquitto per test, started by the product's launcher in a fresh directory under /tmp.
enum BrokerFixture {
    static let logger: Logger = {
        var logger = Logger(label: "bus-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func withBroker<T>(_ body: (EmbeddedMosquitto) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "harvestry-bus-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory), logger: Self.logger)
        try await broker.start()
        do {
            let value = try await body(broker)
            await broker.stop()
            return value
        } catch {
            await broker.stop()
            throw error
        }
    }

    /// A unique client id (23 characters at most).
    static func clientID(_ prefix: String) -> String {
        prefix + "-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)
    }

    static func connect(
        _ broker: EmbeddedMosquitto,
        id: String = clientID("c"),
        cleanSession: Bool = true,
        will: MQTTWill? = nil
    ) async throws -> MQTTClient {
        let port = try #require(await broker.port)
        return try await MQTTClient.connect(
            .init(port: port, clientID: id, cleanSession: cleanSession, keepAliveSeconds: 5, will: will),
            logger: Self.logger
        )
    }
}

/// Collects what a client receives, for the test to wait on (bounded).
final class Inbox: Sendable {
    private let received = Mutex<[MQTTMessage]>([])

    var messages: [MQTTMessage] { self.received.withLock { $0 } }
    var payloads: [String] { self.messages.map { String(decoding: $0.payload, as: UTF8.self) } }

    /// Runs until the client disconnects.
    func drain(_ messages: MQTTMessages) async {
        for await message in messages {
            self.received.withLock { $0.append(message) }
        }
    }

    /// Waits until `condition` holds for what arrived, at most `timeout`; returns whether it did.
    @discardableResult
    func wait(timeout: Duration = .seconds(30), until condition: ([MQTTMessage]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self.messages) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self.messages)
    }
}
