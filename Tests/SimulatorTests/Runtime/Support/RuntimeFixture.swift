import Bus
import Foundation
import Logging
import Simulator
import Synchronization
import Testing

/// A real Mosquitto per test, started by the product's launcher in a fresh directory, and helpers around it.
enum RuntimeFixture {
    static let logger: Logger = {
        var logger = Logger(label: "simulator-runtime-tests")
        logger.logLevel = .error
        return logger
    }()

    static func temporaryDirectory(_ prefix: String) -> String {
        NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
    }

    static func withBroker<T>(_ body: (EmbeddedMosquitto, String) async throws -> T) async throws -> T {
        let directory = Self.temporaryDirectory("hv-simrt")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(
            configuration: .init(dataDirectory: directory + "/mosquitto"),
            logger: Self.logger
        )
        try await broker.start()
        do {
            let value = try await body(broker, directory)
            await broker.stop()
            return value
        } catch {
            await broker.stop()
            throw error
        }
    }

    static func client(_ broker: EmbeddedMosquitto, id: String, persistent: Bool = false) async throws -> MQTTClient {
        let port = try #require(await broker.port)
        return try await MQTTClient.connect(
            .init(port: port, clientID: id, cleanSession: !persistent, keepAliveSeconds: 5),
            logger: Self.logger
        )
    }

    /// Polls `condition` every 20 ms for at most `timeout`; returns whether it held.
    static func wait(timeout: Duration = .seconds(30), until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// Collects what a client receives.
final class Collector: Sendable {
    private let received = Mutex<[MQTTMessage]>([])
    var messages: [MQTTMessage] { self.received.withLock { $0 } }

    func drain(_ messages: MQTTMessages) async {
        for await message in messages { self.received.withLock { $0.append(message) } }
    }
}
