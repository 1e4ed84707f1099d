import Edge
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `/healthz` and `/metrics` over HTTP on a loopback port, from a real spool and a poller-like section.
@Suite struct EdgeHealthServerTests {
    struct StubPoller: EdgeHealthSource {
        func healthSection() async -> EdgeHealthSection {
            EdgeHealthSection(
                name: "poller",
                healthy: true,
                details: ["last_poll": "ok"],
                metrics: [.init(name: "harvestry_edge_poll_errors_total", kind: .counter, help: "Errors.", value: 4)]
            )
        }
    }

    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let session = URLSession(configuration: .ephemeral)
        let (data, response) = try await session.data(for: URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func healthAndMetricsAreServed() async throws {
        let directory = SpoolDirectory("health")
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append([patternReading(0), patternReading(1)])
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = EdgeHealthServer(
            host: "127.0.0.1",
            port: 0,
            spool: spool,
            uplink: UplinkMetrics(),
            sources: [StubPoller()],
            // The pattern's readings are from 2025: long unsent.
            maximumUnsentAge: 1e10,
            logger: edgeTestLogger,
            onListening: { continuation.yield($0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())

            let health = try await Self.get(port, "/healthz")
            #expect(health.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
            #expect(json["status"] as? String == "ok")
            #expect((json["spool"] as? [String: Any])?["depth"] as? Int == 2)
            #expect((json["poller"] as? [String: Any])?["last_poll"] as? String == "ok")

            let metrics = try await Self.get(port, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("harvestry_edge_spool_depth_readings 2\n"))
            #expect(metrics.body.contains("harvestry_edge_poll_errors_total 4\n"))
        }
    }

    @Test func anOldBacklogAnswers503() async throws {
        let directory = SpoolDirectory("health")
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append([patternReading(0)])
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = EdgeHealthServer(
            host: "127.0.0.1",
            port: 0,
            spool: spool,
            uplink: UplinkMetrics(),
            maximumUnsentAge: 60,
            logger: edgeTestLogger,
            onListening: { continuation.yield($0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let health = try await Self.get(port, "/healthz")
            #expect(health.status == 503)
            #expect(health.body.contains(#""status":"unhealthy""#))
        }
    }
}
