import Foundation
import Simulator
import Testing

/// Real TCP through the proxy to an echo server on 127.0.0.1. Timing is asserted only as loose lower bounds; the
/// fault log says what applied.
@Suite("Fault proxy traffic", .serialized)
struct FaultProxyTrafficTests {
    @Test func forwardsBothWaysForManyConcurrentConnections() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            let clients = try await withThrowingTaskGroup(of: ProxyTestClient.self) { group in
                for _ in 0..<20 { group.addTask { try await ProxyTestClient.connect(port: port) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for (index, client) in clients.enumerated() {
                try await client.send(ProxyFixture.bytes(1000, seed: UInt8(index)))
            }
            for (index, client) in clients.enumerated() {
                #expect(await client.waitForBytes(1000))
                #expect(client.received == ProxyFixture.bytes(1000, seed: UInt8(index)))
            }
            #expect(proxy.openConnectionCount == 20)
            #expect(upstream.receivedBytes == 20_000)
            for client in clients { await client.close() }
            // 20 closes on a loaded machine (the whole suite runs at once) can take a while to reach the proxy.
            await ProxyFixture.expectEventually(timeout: .seconds(30)) { proxy.openConnectionCount == 0 }
            #expect(proxy.records.isEmpty)
        }
    }

    @Test func latencyDelaysDataAndIsLogged() async throws {
        try await ProxyFixture.withProxy { proxy, _, port in
            let client = try await ProxyTestClient.connect(port: port)
            try proxy.add(Toxic(.latency(.milliseconds(300), jitter: .milliseconds(20)), direction: .downstream))
            let start = ContinuousClock.now
            try await client.send(ProxyFixture.bytes(64))
            #expect(await client.waitForBytes(64))
            #expect(ContinuousClock.now - start >= .milliseconds(270))
            #expect(client.received == ProxyFixture.bytes(64))
            let delayed = try #require(proxy.records(.delayed).first)
            #expect(delayed.direction == .downstream && delayed.bytes == 64 && delayed.connection == 1)
            #expect((280...320).contains(delayed.delayMilliseconds ?? 0))
            #expect(delayed.proxy == "test-proxy" && delayed.group == "zone-a")
            await client.close()
        }
    }

    @Test func bandwidthPacesALargeTransferWithoutLosingOrder() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            try proxy.add(Toxic(.bandwidth(kilobytesPerSecond: 20), direction: .upstream))
            let client = try await ProxyTestClient.connect(port: port)
            let data = ProxyFixture.bytes(10_000)
            let start = ContinuousClock.now
            try await client.send(data)
            #expect(await client.waitForBytes(data.count))
            // 10 kB at 20 KB/s is 500 ms at least.
            #expect(ContinuousClock.now - start >= .milliseconds(450))
            #expect(client.received == data)
            #expect(upstream.receivedBytes == data.count)
            #expect(proxy.records(.throttled).reduce(0) { $0 + ($1.bytes ?? 0) } == data.count)
            await client.close()
        }
    }

    @Test func slicerSplitsChunksIntact() async throws {
        try await ProxyFixture.withProxy { proxy, _, port in
            try proxy.add(
                Toxic(.slicer(averageSize: 8, sizeVariation: 2, delay: .milliseconds(1)), direction: .downstream)
            )
            let client = try await ProxyTestClient.connect(port: port)
            try await client.send(ProxyFixture.bytes(200))
            #expect(await client.waitForBytes(200))
            #expect(client.received == ProxyFixture.bytes(200))
            let sliced = proxy.records(.sliced)
            #expect(!sliced.isEmpty)
            #expect(sliced.allSatisfy { ($0.pieces ?? 0) >= ($0.bytes ?? 0) / 10 })
            await client.close()
        }
    }

    @Test func upstreamBlackholeSwallowsUntilRemoved() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            let client = try await ProxyTestClient.connect(port: port)
            try await client.send([1, 2, 3])
            #expect(await client.waitForBytes(3))
            try proxy.add(Toxic(.blackhole, direction: .upstream))
            try await client.send([4, 5, 6, 7])
            await ProxyFixture.expectEventually { !proxy.records(.swallowed).isEmpty }
            #expect(upstream.receivedBytes == 3, "swallowed data reached the upstream")
            #expect(!client.isClosed)
            #expect(proxy.remove(toxicNamed: "blackhole_upstream"))
            try await client.send([8, 9])
            #expect(await client.waitForBytes(5))
            #expect(client.received == [1, 2, 3, 8, 9])
            let swallowed = try #require(proxy.records(.swallowed).first)
            #expect(swallowed.bytes == 4 && swallowed.direction == .upstream && swallowed.connection == 1)
            #expect(proxy.records.map(\.effect) == [.added, .swallowed, .removed])
            await client.close()
        }
    }

    @Test func downstreamBlackholeLetsDataReachTheServerOnly() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            let client = try await ProxyTestClient.connect(port: port)
            try proxy.add(Toxic(.blackhole, direction: .downstream))
            try await client.send(ProxyFixture.bytes(50))
            await ProxyFixture.expectEventually { upstream.receivedBytes == 50 }
            await ProxyFixture.expectEventually { proxy.records(.swallowed).reduce(0) { $0 + ($1.bytes ?? 0) } == 50 }
            #expect(client.received.isEmpty)
            await client.close()
        }
    }

    @Test func downClosesOpenConnectionsAndRefusesNewOnesUntilRemoved() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            let open = try await ProxyTestClient.connect(port: port)
            await ProxyFixture.expectEventually { proxy.openConnectionCount == 1 }
            try proxy.add(Toxic(.down))
            #expect(await open.waitUntilClosed())
            let refused = try await ProxyTestClient.connect(port: port)
            #expect(await refused.waitUntilClosed())
            #expect(upstream.acceptedConnections == 1, "a refused connection reached the upstream")
            proxy.remove(toxicNamed: "down_both")
            let after = try await ProxyTestClient.connect(port: port)
            try await after.send([42])
            #expect(await after.waitForBytes(1))
            #expect(proxy.records.map(\.effect) == [.added, .closed, .refused, .removed])
            #expect(proxy.records(.closed).first?.connection == 1)
            #expect(proxy.records(.refused).first?.connection == 2)
            await after.close()
        }
    }

    @Test func resetPeerResetsTheClientAfterItsTimeout() async throws {
        try await ProxyFixture.withProxy(loops: ProxyFixture.resetLoops) { proxy, _, port in
            let client = try await ProxyTestClient.connect(port: port, group: ProxyFixture.resetLoops)
            try await client.send([1])
            #expect(await client.waitForBytes(1))
            let added = Date()
            try proxy.add(Toxic(.resetPeer(after: .milliseconds(100)), direction: .downstream))
            let closed = await client.waitUntilClosed()
            let reset = try #require(proxy.records(.reset).first)
            let resetAfter = reset.time.timeIntervalSince(added)
            #expect(closed, "not closed within 10 s; the proxy recorded the reset \(resetAfter) s after the toxic")
            #expect(client.wasReset, "the client saw a FIN, not a RST")
            #expect(reset.connection == 1 && reset.direction == .downstream)
        }
    }

    @Test func limitDataForwardsTheLimitThenCloses() async throws {
        try await ProxyFixture.withProxy { proxy, _, port in
            try proxy.add(Toxic(.limitData(bytes: 10), direction: .downstream))
            let client = try await ProxyTestClient.connect(port: port)
            try await client.send(ProxyFixture.bytes(100))
            #expect(await client.waitUntilClosed())
            #expect(client.received == ProxyFixture.bytes(10))
            #expect(proxy.records(.limited).first?.bytes == 10)
        }
    }

    @Test func timeoutSwallowsThenClosesAfterItsTime() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            let client = try await ProxyTestClient.connect(port: port)
            await ProxyFixture.expectEventually { proxy.openConnectionCount == 1 }
            try proxy.add(Toxic(.timeout(after: .milliseconds(200)), direction: .upstream))
            try await client.send([1, 2])
            #expect(await client.waitUntilClosed())
            #expect(upstream.receivedBytes == 0)
            #expect(proxy.records.map(\.effect).contains(.closed))
        }
    }

    @Test func dropFirstConnectionsDropsExactlyThoseThenLetsThrough() async throws {
        try await ProxyFixture.withProxy { proxy, _, port in
            try proxy.add(Toxic(.dropFirstConnections(count: 2)))
            for _ in 0..<2 {
                let dropped = try await ProxyTestClient.connect(port: port)
                #expect(await dropped.waitUntilClosed())
            }
            let third = try await ProxyTestClient.connect(port: port)
            try await third.send([7])
            #expect(await third.waitForBytes(1))
            #expect(proxy.records(.droppedConnection).map(\.connection) == [1, 2])
            await third.close()
        }
    }

    @Test func dropFirstChunksDropsTheFirstReads() async throws {
        try await ProxyFixture.withProxy { proxy, upstream, port in
            try proxy.add(Toxic(.dropFirstChunks(count: 1), direction: .upstream))
            let client = try await ProxyTestClient.connect(port: port)
            try await client.send([1, 1, 1])
            await ProxyFixture.expectEventually { proxy.records(.droppedChunk).count == 1 }
            try await client.send([2, 2])
            #expect(await client.waitForBytes(2))
            #expect(client.received == [2, 2])
            #expect(upstream.receivedBytes == 2)
            await client.close()
        }
    }

    @Test func aTimedToxicRemovesItself() async throws {
        try await ProxyFixture.withProxy { proxy, _, port in
            let client = try await ProxyTestClient.connect(port: port)
            try proxy.add(Toxic(.blackhole, direction: .upstream, lifetime: .timed(.milliseconds(300))))
            await ProxyFixture.expectEventually { proxy.toxics.isEmpty }
            #expect(proxy.records.map(\.effect) == [.added, .expired])
            try await client.send([5])
            #expect(await client.waitForBytes(1))
            await client.close()
        }
    }

    @Test func theLogExportsJSONLines() async throws {
        try await ProxyFixture.withProxy { proxy, _, _ in
            try proxy.add(ToxicDescription(type: "latency", stream: "upstream", attributes: ["latency": 5]))
            proxy.removeAllToxics()
            let lines = proxy.exportLog().split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].contains("\"effect\":\"added\"") && lines[0].contains("\"type\":\"latency\""))
            #expect(lines[1].contains("\"effect\":\"removed\""))
        }
    }

    @Test func onRecordSeesEveryRecordInSequence() async throws {
        let upstream = try await ProxyEchoUpstream.start()
        let streamed = ProxyRecordSink()
        let proxy = FaultProxy(
            .init(name: "streamed", upstreamPort: upstream.port),
            group: ProxyFixture.loops,
            logger: ProxyFixture.logger,
            onRecord: { streamed.append($0) }
        )
        let port = try await proxy.start()
        try proxy.add(Toxic(.dropFirstConnections(count: 1)))
        let dropped = try await ProxyTestClient.connect(port: port)
        #expect(await dropped.waitUntilClosed())
        proxy.removeAllToxics()
        #expect(streamed.records == proxy.records)
        #expect(streamed.records.map(\.sequence) == [1, 2, 3])
        await proxy.stop()
        await upstream.stop()
    }

    @Test func invalidConfigurationNamesTheField() async {
        let proxy = FaultProxy(.init(name: "p", listenHost: "0.0.0.0", upstreamPort: 1))
        await #expect {
            try await proxy.start()
        } throws: { error in
            (error as? FaultProxyError)?.field == "listen_host"
        }
    }
}
