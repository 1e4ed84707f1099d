import Bus
import Foundation
import Simulator
import Testing

/// MQTT through the fault proxy to a real Mosquitto started by the Bus launcher.
@Suite("Fault proxy with MQTT", .serialized)
struct FaultProxyMQTTTests {
    @Test("a client flapped by a held `down` reconnects and delivers its QoS 1 messages")
    func flapThenReconnect() async throws {
        try await MQTTThroughProxy.withBrokerAndProxy { brokerPort, proxy, proxyPort in
            let subscriber = try await MQTTThroughProxy.connect(port: brokerPort)
            try await subscriber.subscribe("flap/+")
            let observed = ProxyMQTTObserved()
            let device = try await MQTTThroughProxy.connect(port: proxyPort) { observed.connectionChanged($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await observed.drain(subscriber.messages) }
                for index in 0..<5 { try await device.publish(Array("m\(index)".utf8), to: "flap/x") }

                try proxy.add(Toxic(name: "flap", .down))
                await ProxyFixture.expectEventually(timeout: .seconds(15)) {
                    observed.connectionChanges.contains(false)
                }
                group.addTask {
                    for index in 5..<15 {
                        try await MQTTThroughProxy.publishRetrying(device, "m\(index)", to: "flap/x")
                    }
                }
                // Held: the device's reconnect attempts are refused while the toxic stays.
                await ProxyFixture.expectEventually(timeout: .seconds(15)) { !proxy.records(.refused).isEmpty }
                #expect(!observed.connectionChanges.contains(true), "reconnected through a held down")
                #expect(proxy.remove(toxicNamed: "flap"))

                await ProxyFixture.expectEventually(timeout: .seconds(30)) { observed.connectionChanges.last == true }
                let expected = Set((0..<15).map { "m\($0)" })
                await ProxyFixture.expectEventually(timeout: .seconds(30)) {
                    Set(observed.payloads).isSuperset(of: expected)
                }
                try await group.next()
                await device.disconnect()
                await subscriber.disconnect()
                try await group.waitForAll()
            }
            let missing = (0..<15).map { "m\($0)" }.filter { !observed.payloads.contains($0) }
            #expect(missing.isEmpty, "missing \(missing)")
            let effects = proxy.records.map(\.effect)
            #expect(effects.first == .added && effects.contains(.closed) && effects.last == .removed)
            #expect(proxy.records.allSatisfy { $0.proxy == "broker-zone-a" && $0.group == "zone-a" })
        }
    }

    @Test("a downstream-only blackhole stops acks but not publishes")
    func downstreamBlackholeStopsAcksOnly() async throws {
        try await MQTTThroughProxy.withBrokerAndProxy { brokerPort, proxy, proxyPort in
            let subscriber = try await MQTTThroughProxy.connect(port: brokerPort)
            try await subscriber.subscribe("bh/+")
            let observed = ProxyMQTTObserved()
            let device = try await MQTTThroughProxy.connect(port: proxyPort) { observed.connectionChanged($0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await observed.drain(subscriber.messages) }
                try await device.publish(Array("before".utf8), to: "bh/x")

                try proxy.add(Toxic(.blackhole, direction: .downstream))
                group.addTask {
                    try await MQTTThroughProxy.publishRetrying(device, "during", to: "bh/x")
                    observed.acknowledge()
                }
                await ProxyFixture.expectEventually(timeout: .seconds(15)) { observed.payloads.contains("during") }
                // The broker's PUBACK was swallowed on the way back.
                await ProxyFixture.expectEventually(timeout: .seconds(15)) {
                    proxy.records(.swallowed).contains { $0.direction == .downstream && ($0.bytes ?? 0) > 0 }
                }
                #expect(!observed.acknowledged, "the publish was acknowledged through a downstream blackhole")
                #expect(proxy.records(.swallowed).allSatisfy { $0.direction == .downstream })

                // Recovery: lift the blackhole and reset the connection; the client resends and gets its ack.
                proxy.remove(toxicNamed: "blackhole_downstream")
                try proxy.add(Toxic(name: "kick", .resetPeer(after: .zero), direction: .both))
                await ProxyFixture.expectEventually(timeout: .seconds(15)) { !proxy.records(.reset).isEmpty }
                proxy.remove(toxicNamed: "kick")
                await ProxyFixture.expectEventually(timeout: .seconds(30)) { observed.acknowledged }
                try await group.next()
                await device.disconnect()
                await subscriber.disconnect()
                try await group.waitForAll()
            }
        }
    }
}
