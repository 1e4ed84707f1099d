import Metrics
import Synchronization

/// A swift-metrics backend for the process's counters and gauges, rendered in the Prometheus text format after the
/// gateway's own families at `/metrics` (when it is the bootstrapped `MetricsSystem` factory; `harvestry serve` does
/// that). Timers are exported as histograms in seconds (`PrometheusHistogram`); aggregating recorders are not.
public final class PrometheusRegistry: MetricsFactory, Sendable {
    private struct Key: Hashable, Comparable {
        var label: String
        var labels: String
        static func < (a: Key, b: Key) -> Bool { (a.label, a.labels) < (b.label, b.labels) }
    }

    private let counters = Mutex<[Key: Value]>([:])
    private let gauges = Mutex<[Key: Value]>([:])
    private let histograms = Mutex<[Key: PrometheusHistogram]>([:])

    public init() {}

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Self.value(Key(label: label, labels: Self.labels(dimensions)), in: self.counters)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard !aggregate else { return NOOPMetricsHandler.instance }
        return Self.value(Key(label: label, labels: Self.labels(dimensions)), in: self.gauges)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        self.histograms.withLock { histograms in
            let key = Key(label: label, labels: Self.labels(dimensions))
            if let histogram = histograms[key] { return histogram }
            let histogram = PrometheusHistogram()
            histograms[key] = histogram
            return histogram
        }
    }

    // Handlers stay registered: a metric made again under the same label and dimensions continues the series.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// Prometheus text exposition format 0.0.4: one `# TYPE` line per metric name, then its series.
    public func render() -> String {
        Self.render(self.counters, type: "counter") + Self.render(self.gauges, type: "gauge") + self.renderHistograms()
    }

    private func renderHistograms() -> String {
        let series = self.histograms.withLock { $0 }.sorted { $0.key < $1.key }
        var out = ""
        var previous: String?
        for (key, histogram) in series {
            if key.label != previous { out += "# TYPE \(key.label) histogram\n" }
            previous = key.label
            out += histogram.lines(label: key.label, labels: key.labels)
        }
        return out
    }

    private static func value(_ key: Key, in values: borrowing Mutex<[Key: Value]>) -> Value {
        values.withLock { values in
            if let value = values[key] { return value }
            let value = Value()
            values[key] = value
            return value
        }
    }

    private static func render(_ values: borrowing Mutex<[Key: Value]>, type: String) -> String {
        let series = values.withLock { $0 }.sorted { $0.key < $1.key }
        var out = ""
        var previous: String?
        for (key, value) in series {
            if key.label != previous { out += "# TYPE \(key.label) \(type)\n" }
            previous = key.label
            let labels = key.labels.isEmpty ? "" : "{\(key.labels)}"
            out += "\(key.label)\(labels) \(value.text)\n"
        }
        return out
    }

    private static func labels(_ dimensions: [(String, String)]) -> String {
        dimensions.map { name, value in "\(name)=\"\(GatewayMetrics.escape(value))\"" }.joined(separator: ",")
    }

    /// One series: a counter's total or a gauge's last value.
    private final class Value: CounterHandler, RecorderHandler, Sendable {
        private let number = Mutex<Double>(0)

        var text: String {
            let value = self.number.withLock { $0 }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }

        func increment(by amount: Int64) { self.number.withLock { $0 += Double(amount) } }
        func reset() { self.number.withLock { $0 = 0 } }
        func record(_ value: Int64) { self.number.withLock { $0 = Double(value) } }
        func record(_ value: Double) { self.number.withLock { $0 = value } }
    }
}
