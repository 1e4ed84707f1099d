import Bus
import Foundation
import Testing

@Suite("MQTT client against the embedded broker", .serialized)
struct ClientTests {
    @Test("QoS 0 and QoS 1 publish reach a subscriber in order")
    func publishSubscribe() async throws {
        try await BrokerFixture.withBroker { broker in
            let subscriber = try await BrokerFixture.connect(broker)
            let publisher = try await BrokerFixture.connect(broker)
            try await subscriber.subscribe("test/+/data", qos: .atLeastOnce)
            let inbox = Inbox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(subscriber.messages) }
                for index in 0..<20 {
                    try await publisher.publish(Array("q1-\(index)".utf8), to: "test/a/data", qos: .atLeastOnce)
                }
                for index in 0..<20 {
                    try await publisher.publish(Array("q0-\(index)".utf8), to: "test/b/data", qos: .atMostOnce)
                }
                try await publisher.publish(Array("other".utf8), to: "test/a/other")
                try await publisher.publish(Array("end".utf8), to: "test/z/data")
                #expect(await inbox.wait { $0.last.map { $0.payload == Array("end".utf8) } ?? false })
                await subscriber.disconnect()
                await publisher.disconnect()
            }
            let expected = (0..<20).map { "q1-\($0)" } + (0..<20).map { "q0-\($0)" } + ["end"]
            #expect(inbox.payloads == expected)
            #expect(inbox.messages.first?.topic == "test/a/data")
            #expect(inbox.messages.first?.qos == .atLeastOnce)
            #expect(inbox.messages[20].qos == .atMostOnce)
        }
    }

    @Test("a shared subscription splits messages between two members, none lost or repeated")
    func sharedSubscription() async throws {
        try await BrokerFixture.withBroker { broker in
            let first = try await BrokerFixture.connect(broker)
            let second = try await BrokerFixture.connect(broker)
            try await first.subscribe("$share/workers/jobs/#")
            try await second.subscribe("$share/workers/jobs/#")
            let publisher = try await BrokerFixture.connect(broker)
            let (inboxA, inboxB) = (Inbox(), Inbox())
            let count = 400
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await inboxA.drain(first.messages) }
                group.addTask { await inboxB.drain(second.messages) }
                for index in 0..<count {
                    try await publisher.publish(Array("\(index)".utf8), to: "jobs/device-\(index % 7)")
                }
                _ = await inboxA.wait { _ in inboxA.messages.count + inboxB.messages.count >= count }
                // A duplicate would arrive right behind the originals; give it the chance to.
                try await publisher.publish(Array("\(count)".utf8), to: "jobs/last")
                _ = await inboxA.wait { _ in inboxA.messages.count + inboxB.messages.count >= count + 1 }
                for client in [first, second, publisher] { await client.disconnect() }
            }
            let all = inboxA.payloads + inboxB.payloads
            #expect(all.count == count + 1)
            #expect(Set(all) == Set((0...count).map { "\($0)" }))
            #expect(!inboxA.payloads.isEmpty && !inboxB.payloads.isEmpty)
        }
    }

    @Test("the last will is published when a connection drops without DISCONNECT, not after a clean one")
    func lastWill() async throws {
        try await BrokerFixture.withBroker { broker in
            let watcher = try await BrokerFixture.connect(broker)
            try await watcher.subscribe("hv/v1/site-1/+/status")
            let will = { (device: String) in
                MQTTWill(topic: "hv/v1/site-1/\(device)/status", payload: Array("offline".utf8), retain: false)
            }
            let polite = try await BrokerFixture.connect(broker, will: will("polite"))
            let crashing = try await BrokerFixture.connect(broker, will: will("crashing"))
            let inbox = Inbox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(watcher.messages) }
                await polite.disconnect()
                await crashing.dropConnection()
                #expect(await inbox.wait { !$0.isEmpty })
                // A will for the polite device would have come before this marker.
                let marker = try await BrokerFixture.connect(broker)
                try await marker.publish(Array("marker".utf8), to: "hv/v1/site-1/marker/status")
                #expect(await inbox.wait { $0.count >= 2 })
                await marker.disconnect()
                await watcher.disconnect()
            }
            #expect(inbox.messages.map(\.topic) == ["hv/v1/site-1/crashing/status", "hv/v1/site-1/marker/status"])
            #expect(inbox.payloads.first == "offline")
        }
    }

    @Test("a persistent session receives the QoS 1 messages published while it was offline")
    func persistentSession() async throws {
        try await BrokerFixture.withBroker { broker in
            let id = BrokerFixture.clientID("p")
            let first = try await BrokerFixture.connect(broker, id: id, cleanSession: false)
            try await first.subscribe("queue/+")
            await first.disconnect()
            let publisher = try await BrokerFixture.connect(broker)
            for index in 0..<25 { try await publisher.publish(Array("\(index)".utf8), to: "queue/x") }
            await publisher.disconnect()
            let again = try await BrokerFixture.connect(broker, id: id, cleanSession: false)
            let inbox = Inbox()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await inbox.drain(again.messages) }
                #expect(await inbox.wait { $0.count >= 25 })
                await again.disconnect()
            }
            #expect(inbox.payloads == (0..<25).map { "\($0)" })
        }
    }

    @Test("publishing to a topic with a wildcard names the field")
    func invalidTopic() async throws {
        try await BrokerFixture.withBroker { broker in
            let client = try await BrokerFixture.connect(broker)
            await #expect(throws: BusError.invalid("topic", "must not contain the wildcards '+' or '#' (got 'a/+')")) {
                try await client.publish([], to: "a/+")
            }
            await client.disconnect()
            await #expect(throws: BusError.self) { try await client.publish([1], to: "a/b") }
        }
    }

    @Test("connecting to a port with no broker is a connection error naming the endpoint")
    func connectRefused() async throws {
        let port = try await BrokerFixture.withBroker { broker in try #require(await broker.port) }
        do {
            _ = try await MQTTClient.connect(.init(port: port, clientID: "nobody"))
            Issue.record("connected to a stopped broker")
        } catch {
            #expect(error.code == .connection)
            #expect(error.message.contains("mqtt://127.0.0.1:\(port)"))
        }
    }

    @Test("a client released with received messages nobody consumed goes away cleanly")
    func releasedWithUnconsumedMessages() async throws {
        try await BrokerFixture.withBroker { broker in
            var subscriber: MQTTClient? = try await BrokerFixture.connect(broker)
            try await subscriber?.subscribe("test/unread")
            let publisher = try await BrokerFixture.connect(broker)
            for index in 0..<5 { try await publisher.publish(Array("\(index)".utf8), to: "test/unread") }
            // A QoS 1 round trip behind the five: by its PUBACK the broker has sent them on.
            try await publisher.publish(Array("last".utf8), to: "test/other")
            try await Task.sleep(for: .milliseconds(100))
            // Its buffer holds messages nobody read: releasing it must not trap (libdispatch traps on a semaphore
            // released below its initial value).
            subscriber = nil
            #expect(subscriber == nil)
            await publisher.disconnect()
        }
    }
}
