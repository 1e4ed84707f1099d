import Foundation

/// `/healthz` and `/metrics` from the spool's status, the uplink's counters and the other sections. Pure.
///
/// Unhealthy (503) when the oldest unsent reading is older than `maximumUnsentAge` (the uplink has not delivered
/// for that long: platform down, token refused) or any section says so.
public struct EdgeHealthReport: Sendable {
    public var spool: SpoolStatus
    public var uplink: UplinkSnapshot
    public var sections: [EdgeHealthSection]
    public var now: Date
    public var maximumUnsentAge: TimeInterval

    public init(
        spool: SpoolStatus,
        uplink: UplinkSnapshot,
        sections: [EdgeHealthSection],
        now: Date,
        maximumUnsentAge: TimeInterval
    ) {
        self.spool = spool
        self.uplink = uplink
        self.sections = sections
        self.now = now
        self.maximumUnsentAge = maximumUnsentAge
    }

    /// Seconds the oldest unsent reading has waited (0 when the spool is empty).
    public var oldestUnsentAge: TimeInterval {
        self.spool.oldestUnsent.map { max(0, self.now.timeIntervalSince($0)) } ?? 0
    }

    public var uplinkHealthy: Bool { self.oldestUnsentAge <= self.maximumUnsentAge }

    public var healthy: Bool { self.uplinkHealthy && self.sections.allSatisfy(\.healthy) }

    /// The `/healthz` body: JSON, keys sorted.
    public func json() -> String {
        var body: [String: Any] = [
            "status": self.healthy ? "ok" : "unhealthy",
            "spool": [
                "depth": self.spool.depth,
                "bytes": self.spool.bytes,
                "dropped": self.spool.dropped,
                "oldest_unsent": self.spool.oldestUnsent.map(Self.iso8601) ?? NSNull(),
                "oldest_unsent_age_seconds": self.oldestUnsentAge,
            ] as [String: Any],
            "uplink": [
                "healthy": self.uplinkHealthy,
                "accepted_readings": self.uplink.acceptedReadings,
                "duplicate_readings": self.uplink.duplicateReadings,
                "rejected_readings": self.uplink.rejectedReadings,
                "consecutive_failures": self.uplink.consecutiveFailures,
                "last_success": self.uplink.lastSuccess.map(Self.iso8601) ?? NSNull(),
                "last_error": self.uplink.lastError ?? NSNull(),
            ] as [String: Any],
        ]
        for section in self.sections {
            var details: [String: Any] = section.details
            details["healthy"] = section.healthy
            body[section.name] = details
        }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The `/metrics` body in the Prometheus text format.
    public func prometheus() -> String {
        var samples: [EdgeMetricSample] = [
            .init(name: "harvestry_edge_spool_depth_readings", kind: .gauge, help: "Readings spooled and not yet delivered.", value: Double(self.spool.depth)),
            .init(name: "harvestry_edge_spool_bytes", kind: .gauge, help: "Bytes of the spool's segment files.", value: Double(self.spool.bytes)),
            .init(name: "harvestry_edge_spool_oldest_unsent_age_seconds", kind: .gauge, help: "Age of the oldest undelivered reading (0 when none).", value: self.oldestUnsentAge),
            .init(name: "harvestry_edge_spool_dropped_readings_total", kind: .counter, help: "Readings dropped by the full-spool policy.", value: Double(self.spool.dropped)),
            .init(name: "harvestry_edge_uplink_accepted_readings_total", kind: .counter, help: "Readings the platform stored.", value: Double(self.uplink.acceptedReadings)),
            .init(name: "harvestry_edge_uplink_duplicate_readings_total", kind: .counter, help: "Readings the platform already had (replays).", value: Double(self.uplink.duplicateReadings)),
            .init(name: "harvestry_edge_uplink_rejected_readings_total", kind: .counter, help: "Readings the platform refused for good.", value: Double(self.uplink.rejectedReadings)),
            .init(name: "harvestry_edge_uplink_consecutive_failures", kind: .gauge, help: "Failed deliveries since the last success.", value: Double(self.uplink.consecutiveFailures)),
            .init(name: "harvestry_edge_uplink_last_success_timestamp_seconds", kind: .gauge, help: "Unix time of the last delivery (0: none yet).", value: self.uplink.lastSuccess?.timeIntervalSince1970 ?? 0),
        ]
        for (code, count) in self.uplink.errors.sorted(by: { $0.key < $1.key }) {
            samples.append(.init(name: "harvestry_edge_uplink_errors_total", kind: .counter, help: "Failed uplink calls by status code.", labels: ["code": code], value: Double(count)))
        }
        samples += self.sections.flatMap(\.metrics)
        return Self.render(samples)
    }

    /// Samples grouped by name, one HELP and TYPE line per name, labels sorted and escaped.
    static func render(_ samples: [EdgeMetricSample]) -> String {
        var order: [String] = []
        var byName: [String: [EdgeMetricSample]] = [:]
        for sample in samples {
            if byName[sample.name] == nil { order.append(sample.name) }
            byName[sample.name, default: []].append(sample)
        }
        var text = ""
        for name in order {
            let group = byName[name] ?? []
            text += "# HELP \(name) \(group[0].help)\n# TYPE \(name) \(group[0].kind.rawValue)\n"
            for sample in group {
                let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escape($0.value))\"" }
                text += name + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}") + " \(Self.format(sample.value))\n"
            }
        }
        return text
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
