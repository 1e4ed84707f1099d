import Foundation

extension PollerHealth {
    /// Polls in a row that must fail before a device makes the agent unhealthy (one lost poll is routine on WiNet-S).
    public static let unhealthyAfterFailures = 3

    /// The `poller` section of `/healthz` and its `/metrics` samples.
    public func healthSection() -> EdgeHealthSection {
        var details: [String: String] = [:]
        var metrics: [EdgeMetricSample] = []
        for device in self.devices {
            details["\(device.name).last_successful_poll"] = device.lastSuccessfulPoll.map(Self.iso8601) ?? "never"
            details["\(device.name).consecutive_failures"] = String(device.consecutiveFailures)
            if let error = device.lastError { details["\(device.name).last_error"] = error }
            metrics += Self.samples(of: device)
        }
        let healthy = self.devices.allSatisfy { $0.consecutiveFailures < Self.unhealthyAfterFailures }
        return EdgeHealthSection(name: "poller", healthy: healthy, details: details, metrics: metrics)
    }

    private static func samples(of device: DevicePollHealth) -> [EdgeMetricSample] {
        let labels = ["device": device.name]
        var samples = [
            EdgeMetricSample(
                name: "harvestry_edge_poll_last_success_timestamp_seconds",
                kind: .gauge,
                help: "When the device last answered every block of a poll (0: never).",
                labels: labels,
                value: device.lastSuccessfulPoll?.timeIntervalSince1970 ?? 0
            ),
            EdgeMetricSample(
                name: "harvestry_edge_poll_readings_total",
                kind: .counter,
                help: "Readings handed to the spool.",
                labels: labels,
                value: Double(device.readings)
            ),
            EdgeMetricSample(
                name: "harvestry_edge_poll_consecutive_failures",
                kind: .gauge,
                help: "Polls in a row that ended with a timeout or a connection error.",
                labels: labels,
                value: Double(device.consecutiveFailures)
            ),
        ]
        let errors: [(String, UInt64)] = [
            ("timeout", device.timeouts), ("exception", device.exceptions), ("malformed", device.malformedReplies),
            ("connection", device.connectionErrors), ("spool", device.spoolErrors),
        ]
        for (kind, count) in errors {
            samples.append(
                EdgeMetricSample(
                    name: "harvestry_edge_poll_errors_total",
                    kind: .counter,
                    help: "Failed requests and refused appends, by kind.",
                    labels: labels.merging(["kind": kind]) { first, _ in first },
                    value: Double(count)
                )
            )
        }
        return samples
    }

    private static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

extension Poller: EdgeHealthSource {
    public func healthSection() async -> EdgeHealthSection {
        self.health().healthSection()
    }
}
