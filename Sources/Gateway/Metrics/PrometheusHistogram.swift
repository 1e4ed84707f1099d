import Metrics
import Synchronization

/// A swift-metrics timer exported as a Prometheus histogram in seconds (`_bucket{le}`, `_sum`, `_count`), with the
/// gateway's latency buckets (`GatewayMetrics.bucketBounds`).
final class PrometheusHistogram: TimerHandler, Sendable {
    private struct State {
        var count = 0
        var sum = 0.0
        var buckets = [Int](repeating: 0, count: GatewayMetrics.bucketBounds.count)
    }

    private let state = Mutex(State())

    func recordNanoseconds(_ duration: Int64) {
        let seconds = Double(duration) / 1e9
        self.state.withLock { state in
            state.count += 1
            state.sum += seconds
            if let bucket = GatewayMetrics.bucketBounds.firstIndex(where: { seconds <= $0 }) {
                state.buckets[bucket] += 1
            }
        }
    }

    /// The series' lines; `labels` is the rendered label set without braces (may be empty).
    func lines(label: String, labels: String) -> String {
        let state = self.state.withLock { $0 }
        let prefix = labels.isEmpty ? "" : labels + ","
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        var out = ""
        var cumulative = 0
        for (index, bound) in GatewayMetrics.bucketBounds.enumerated() {
            cumulative += state.buckets[index]
            out += "\(label)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(label)_bucket{\(prefix)le=\"+Inf\"} \(state.count)\n"
        out += "\(label)_sum\(braces) \(state.sum)\n"
        out += "\(label)_count\(braces) \(state.count)\n"
        return out
    }
}
