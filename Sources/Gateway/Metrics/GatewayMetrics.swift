import Synchronization

/// Request counts and latency histograms by route and status, rendered as Prometheus text for `/metrics`.
///
/// A small exporter of our own rather than swift-metrics + swift-prometheus: the gateway needs exactly two
/// families with two labels, and one `Mutex`ed dictionary does it without two more packages in the build.
public final class GatewayMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let bucketBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Key: Hashable, Comparable {
        var route: String
        var status: Int
        static func < (a: Key, b: Key) -> Bool { (a.route, a.status) < (b.route, b.status) }
    }

    private struct Series {
        var count = 0
        var sum = 0.0
        var buckets = [Int](repeating: 0, count: GatewayMetrics.bucketBounds.count)
    }

    private let series = Mutex<[Key: Series]>([:])

    public init() {}

    /// Records one request; `route` is the route's label (`GET /v1/...`) or `unmatched`.
    public func record(route: String, status: Int, seconds: Double) {
        self.series.withLock { series in
            var entry = series[Key(route: route, status: status), default: Series()]
            entry.count += 1
            entry.sum += seconds
            if let bucket = Self.bucketBounds.firstIndex(where: { seconds <= $0 }) {
                entry.buckets[bucket] += 1
            }
            series[Key(route: route, status: status)] = entry
        }
    }

    /// The requests counted for `route` and `status` so far.
    public func count(route: String, status: Int) -> Int {
        self.series.withLock { $0[Key(route: route, status: status)]?.count ?? 0 }
    }

    /// Prometheus text exposition format 0.0.4.
    public func render() -> String {
        let snapshot = self.series.withLock { $0 }.sorted { $0.key < $1.key }
        var out = "# HELP harvestry_gateway_requests_total HTTP requests answered by the JSON gateway.\n"
        out += "# TYPE harvestry_gateway_requests_total counter\n"
        for (key, entry) in snapshot {
            out += "harvestry_gateway_requests_total{\(Self.labels(key))} \(entry.count)\n"
        }
        out += "# HELP harvestry_gateway_request_duration_seconds Time to the response head, by route and status.\n"
        out += "# TYPE harvestry_gateway_request_duration_seconds histogram\n"
        for (key, entry) in snapshot {
            let labels = Self.labels(key)
            var cumulative = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += entry.buckets[index]
                out += "harvestry_gateway_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "harvestry_gateway_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(entry.count)\n"
            out += "harvestry_gateway_request_duration_seconds_sum{\(labels)} \(entry.sum)\n"
            out += "harvestry_gateway_request_duration_seconds_count{\(labels)} \(entry.count)\n"
        }
        return out
    }

    private static func labels(_ key: Key) -> String {
        "route=\"\(Self.escape(key.route))\",status=\"\(key.status)\""
    }

    /// A label value escaped for the text format (`\`, `"` and newlines).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences("\\", with: "\\\\").replacingOccurrences("\"", with: "\\\"")
            .replacingOccurrences("\n", with: "\\n")
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
