import API
import Bus
import Foundation
import Logging
import Simulator
import SwiftProtobuf
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

extension RuntimeFixture {
    /// The telemetry batches received, by device, after checking what a `TestTickingSite` run must deliver: every
    /// device's batches in the order of the ground truth's sequences, and every tick's reading once. The only
    /// repeat QoS 1 allows is a batch in flight when a connection broke (the broker stored it, its PUBACK never
    /// came, libmosquitto sent it again after the reconnect), right after the original, at most twice per device.
    static func expectDeliveredOnceInOrder(
        _ messages: [MQTTMessage],
        sensors: Int,
        ticks: Int,
        truthSequences: [String: [UInt64]]
    ) throws -> [String: [Harvestry_Telemetry_V1_TelemetryBatch]] {
        var batches: [String: [Harvestry_Telemetry_V1_TelemetryBatch]] = [:]
        for message in messages {
            let batch = try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: message.payload)
            batches[batch.deviceID, default: []].append(batch)
        }
        #expect(batches.count == sensors)
        for (device, received) in batches.sorted(by: { $0.key < $1.key }) {
            let collapsed = received.enumerated().filter {
                $0.offset == 0 || received[$0.offset - 1].sequence != $0.element.sequence
            }.map(\.element)
            #expect(
                collapsed.map(\.sequence) == truthSequences[device] ?? [],
                "\(device): lost or out of order"
            )
            let values = collapsed.flatMap { $0.readings.map(\.value) }
            #expect(
                values == (1...ticks).map(Double.init),
                "\(device): readings lost, repeated or out of order"
            )
            #expect(
                received.count - collapsed.count <= 2,
                "\(device) repeated \(received.count - collapsed.count) batches"
            )
        }
        return batches
    }
}
