import Bus
import Testing

@Suite("What the broker says to a QoS 1 publish", .serialized)
struct PublishOutcomeTests {
    @Test("MQTT 5: no subscriber -> noMatchingSubscribers; a (shared) subscriber -> accepted; QoS 0 -> accepted")
    func noMatchingSubscribers() async throws {
        try await BrokerFixture.withBroker { broker in
            // Clean sessions speak MQTT 5, so PUBACK carries its reason code.
            let publisher = try await BrokerFixture.connect(broker)
            let nobody = try await publisher.publish(Array("lost".utf8), to: "hv/v1/s/d/telemetry", qos: .atLeastOnce)
            #expect(nobody == .noMatchingSubscribers)

            let consumer = try await BrokerFixture.connect(broker)
            try await consumer.subscribe("$share/ingest/hv/v1/+/+/telemetry")
            let shared = try await publisher.publish(Array("kept".utf8), to: "hv/v1/s/d/telemetry", qos: .atLeastOnce)
            #expect(shared == .accepted)

            // Once the broker has dropped the consumer's session (its DISCONNECT is handled on the broker's own time),
            // publishes are back to nobody's.
            await consumer.disconnect()
            var gone = PublishOutcome.accepted
            for _ in 0..<100 where gone == .accepted {
                gone = try await publisher.publish(Array("lost".utf8), to: "hv/v1/s/d/telemetry", qos: .atLeastOnce)
                if gone == .accepted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(gone == .noMatchingSubscribers)
            // QoS 0 gets no acknowledgement, so it cannot tell.
            #expect(try await publisher.publish(Array("q0".utf8), to: "hv/v1/s/d/telemetry", qos: .atMostOnce) == .accepted)
            await publisher.disconnect()
        }
    }

    @Test("MQTT 3.1.1 (persistent sessions): PUBACK has no reason code, so a publish nobody takes is accepted")
    func persistentSessionCannotTell() async throws {
        try await BrokerFixture.withBroker { broker in
            let publisher = try await BrokerFixture.connect(broker, cleanSession: false)
            let outcome = try await publisher.publish(Array("x".utf8), to: "hv/v1/s/d/telemetry", qos: .atLeastOnce)
            #expect(outcome == .accepted)
            await publisher.disconnect()
        }
    }
}
