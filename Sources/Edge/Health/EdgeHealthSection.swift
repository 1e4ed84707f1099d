/// A part of the agent reporting into `/healthz` and `/metrics` beside the spool and the uplink: the poller's
/// snapshot (last successful poll per device, error counts) comes in through one of these.
public protocol EdgeHealthSource: Sendable {
    func healthSection() async -> EdgeHealthSection
}

/// One part's health: a named object in the `/healthz` body and samples on `/metrics`.
public struct EdgeHealthSection: Sendable, Hashable {
    /// The key in the `/healthz` body, e.g. `poller`.
    public var name: String
    /// False turns `/healthz` into 503.
    public var healthy: Bool
    /// Shown under `name` in the `/healthz` body.
    public var details: [String: String]
    public var metrics: [EdgeMetricSample]

    public init(name: String, healthy: Bool, details: [String: String] = [:], metrics: [EdgeMetricSample] = []) {
        self.name = name
        self.healthy = healthy
        self.details = details
        self.metrics = metrics
    }
}

/// One Prometheus sample, e.g. `harvestry_edge_poll_errors_total{device="inv-1"} 3`.
public struct EdgeMetricSample: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case counter, gauge
    }

    /// `harvestry_edge_<what>_<unit>`.
    public var name: String
    public var kind: Kind
    public var help: String
    public var labels: [String: String]
    public var value: Double

    public init(name: String, kind: Kind, help: String, labels: [String: String] = [:], value: Double) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
        self.value = value
    }
}
