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

    /// Runs a health server over `spool` on a free loopback port while `body` runs with that port.
    static func withServer(
        _ spool: FileSpool,
        sources: [any EdgeHealthSource] = [],
        maximumUnsentAge: TimeInterval,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = EdgeHealthServer(
            host: "127.0.0.1",
            port: 0,
            spool: spool,
            uplink: UplinkMetrics(),
            sources: sources,
            maximumUnsentAge: maximumUnsentAge,
            logger: edgeTestLogger,
            onListening: { continuation.yield($0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            try await body(try #require(await iterator.next()))
        }
    }

    @Test func healthAndMetricsAreServed() async throws {
        let directory = SpoolDirectory("health")
        defer { directory.remove() }
        let spool = try await directory.open()
        try await spool.append([patternReading(0), patternReading(1)])
        // The pattern's readings are from 2025: long unsent, so the age limit is out of the way here.
        try await Self.withServer(spool, sources: [StubPoller()], maximumUnsentAge: 1e10) { port in
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
        try await Self.withServer(spool, maximumUnsentAge: 60) { port in
            let health = try await Self.get(port, "/healthz")
            #expect(health.status == 503)
            #expect(health.body.contains(#""status":"unhealthy""#))
        }
    }
}
