import Bus
import Foundation
import Testing

@Suite("Embedded broker", .serialized)
struct EmbeddedBrokerTests {
    @Test("a broker restart mid-stream loses no QoS 1 message")
    func restartMidStream() async throws {
        try await BrokerFixture.withBroker { broker in
            let subscriber = try await BrokerFixture.connect(
                broker,
                id: BrokerFixture.clientID("s"),
                cleanSession: false
            )
            try await subscriber.subscribe("stream/+")
            let publisher = try await BrokerFixture.connect(broker)
            let inbox = Inbox()
            let count = 300
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(subscriber.messages) }
                group.addTask {
                    for index in 0..<count {
                        try await Self.publishRetrying(publisher, "\(index)")
                        // Paced, so the restart lands mid-stream.
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                #expect(await inbox.wait { $0.count >= 60 })
                await broker.stop()
                let receivedBeforeRestart = inbox.messages.count
                #expect(receivedBeforeRestart < count / 2, "the stream ended before the restart")
                try await broker.start()
                let complete = await inbox.wait(timeout: .seconds(90)) { Set($0.map(\.payload)).count >= count }
                #expect(complete)
                try await group.next()
                await subscriber.disconnect()
                await publisher.disconnect()
                try await group.waitForAll()
            }
            let received = Set(inbox.payloads)
            let missing = (0..<count).map { "\($0)" }.filter { !received.contains($0) }
            #expect(missing.isEmpty, "missing \(missing.prefix(20))")
        }
    }

    @Test("QoS 1 messages queued for an offline persistent session survive a broker restart")
    func queuedAcrossRestart() async throws {
        try await BrokerFixture.withBroker { broker in
            let id = BrokerFixture.clientID("q")
            let subscriber = try await BrokerFixture.connect(broker, id: id, cleanSession: false)
            try await subscriber.subscribe("queued/+")
            await subscriber.disconnect()
            let publisher = try await BrokerFixture.connect(broker)
            for index in 0..<30 { try await publisher.publish(Array("\(index)".utf8), to: "queued/x") }
            await publisher.disconnect()
            await broker.stop()
            let saved = FileManager.default.fileExists(atPath: broker.configuration.dataDirectory + "/mosquitto.db")
            #expect(saved)
            try await broker.start()
            let late = try await BrokerFixture.connect(broker)
            for index in 30..<35 { try await late.publish(Array("\(index)".utf8), to: "queued/x") }
            await late.disconnect()
            let again = try await BrokerFixture.connect(broker, id: id, cleanSession: false)
            let inbox = Inbox()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(again.messages) }
                #expect(await inbox.wait { $0.count >= 35 })
                await again.disconnect()
            }
            #expect(inbox.payloads == (0..<35).map { "\($0)" })
        }
    }

    @Test("a clean-session subscriber subscribes again after the broker restarts")
    func cleanSessionResubscribes() async throws {
        try await BrokerFixture.withBroker { broker in
            let subscriber = try await BrokerFixture.connect(broker)
            try await subscriber.subscribe("$share/workers/probe/+")
            let inbox = Inbox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(subscriber.messages) }
                await broker.stop()
                try await broker.start()
                let publisher = try await BrokerFixture.connect(broker)
                // Probe until the subscriber is back (bounded: 300 x 100 ms).
                for attempt in 0..<300 where inbox.messages.isEmpty {
                    try await publisher.publish(Array("probe-\(attempt)".utf8), to: "probe/x")
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(!inbox.messages.isEmpty, "the subscriber never received anything after the restart")
                await publisher.disconnect()
                await subscriber.disconnect()
            }
        }
    }

    /// A device's publish loop: a publish refused while the broker is down is tried again (bounded).
    static func publishRetrying(_ client: MQTTClient, _ text: String) async throws {
        for _ in 0..<300 {
            let failure: BusError
            do {
                try await client.publish(Array(text.utf8), to: "stream/x")
                return
            } catch {
                failure = error
            }
            guard failure.code == .connection else { throw failure }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await client.publish(Array(text.utf8), to: "stream/x")
    }

    @Test("a missing mosquitto binary says how to install it")
    func missingBinary() async {
        let broker = EmbeddedMosquitto(
            configuration: .init(
                dataDirectory: NSTemporaryDirectory() + "harvestry-nobroker",
                binaryPath: "/nonexistent/mosquitto"
            )
        )
        do {
            try await broker.start()
            Issue.record("started without a binary")
        } catch {
            #expect(error.code == .embeddedBroker)
            #expect(error.message.contains("apt-get install mosquitto"))
        }
    }

    @Test("the generated config listens on loopback only, with persistence in the data directory")
    func generatedConfig() async throws {
        try await BrokerFixture.withBroker { broker in
            let port = try #require(await broker.port)
            let directory = broker.configuration.dataDirectory
            let config = try String(contentsOfFile: directory + "/mosquitto.conf", encoding: .utf8)
            let listeners = config.split(separator: "\n").filter { $0.hasPrefix("listener") || $0.hasPrefix("port") }
            #expect(listeners == ["listener \(port) 127.0.0.1"])
            #expect(config.contains("persistence true"))
            #expect(config.contains("persistence_location \(directory)/"))
            #expect(try await broker.url == "mqtt://127.0.0.1:\(port)")
        }
    }
}
