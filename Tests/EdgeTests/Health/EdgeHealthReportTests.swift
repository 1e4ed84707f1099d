import Edge
import Foundation
import Testing

@Suite struct EdgeHealthReportTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static func report(oldest: Date?, sections: [EdgeHealthSection] = []) -> EdgeHealthReport {
        var uplink = UplinkSnapshot()
        uplink.acceptedReadings = 12
        uplink.errors = ["unavailable": 3]
        return EdgeHealthReport(
            spool: SpoolStatus(depth: oldest == nil ? 0 : 5, oldestUnsent: oldest, bytes: 4096, dropped: 2),
            uplink: uplink,
            sections: sections,
            now: Self.now,
            maximumUnsentAge: 600
        )
    }

    @Test func anOldUnsentReadingOrAnUnhealthySectionMakesTheAgentUnhealthy() {
        #expect(Self.report(oldest: nil).healthy)
        #expect(Self.report(oldest: Self.now.addingTimeInterval(-599)).healthy)
        #expect(!Self.report(oldest: Self.now.addingTimeInterval(-601)).healthy)
        let poller = EdgeHealthSection(name: "poller", healthy: false, details: ["inv-1": "timeout"])
        let report = Self.report(oldest: nil, sections: [poller])
        #expect(!report.healthy)
        let body = report.json()
        #expect(body.contains(#""status":"unhealthy""#))
        #expect(body.contains(#""poller":{"healthy":false,"inv-1":"timeout"}"#))
    }

    @Test func metricsAreInThePrometheusTextFormat() {
        let section = EdgeHealthSection(
            name: "poller",
            healthy: true,
            metrics: [
                .init(name: "harvestry_edge_poll_errors_total", kind: .counter, help: "Poll errors.", labels: ["device": "inv \"1\""], value: 3),
                .init(name: "harvestry_edge_poll_errors_total", kind: .counter, help: "Poll errors.", labels: ["device": "inv-2"], value: 0),
            ]
        )
        let text = Self.report(oldest: Self.now.addingTimeInterval(-30), sections: [section]).prometheus()
        #expect(text.contains("harvestry_edge_spool_depth_readings 5\n"))
        #expect(text.contains("harvestry_edge_spool_oldest_unsent_age_seconds 30\n"))
        #expect(text.contains("harvestry_edge_spool_dropped_readings_total 2\n"))
        #expect(text.contains("harvestry_edge_uplink_errors_total{code=\"unavailable\"} 3\n"))
        #expect(text.contains("harvestry_edge_poll_errors_total{device=\"inv \\\"1\\\"\"} 3\n"))
        #expect(text.components(separatedBy: "# TYPE harvestry_edge_poll_errors_total counter").count == 2)
    }
}
