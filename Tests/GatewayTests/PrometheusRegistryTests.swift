import Gateway
import Metrics
import Testing

@Suite("Process metrics in the Prometheus text format")
struct PrometheusRegistryTests {
    @Test("counters add up per label set, gauges keep the last value, label values are escaped")
    func render() {
        let registry = PrometheusRegistry()
        let telemetry = Counter(
            label: "harvestry_test_total",
            dimensions: [("channel", "telemetry")],
            factory: registry
        )
        telemetry.increment(by: 3)
        Counter(label: "harvestry_test_total", dimensions: [("channel", "telemetry")], factory: registry).increment()
        Counter(label: "harvestry_test_total", dimensions: [("channel", "a\"b")], factory: registry).increment()
        let gauge = Gauge(label: "harvestry_test_connected", factory: registry)
        gauge.record(1)
        gauge.record(0)
        #expect(
            registry.render() == """
                # TYPE harvestry_test_total counter
                harvestry_test_total{channel="a\\"b"} 1
                harvestry_test_total{channel="telemetry"} 4
                # TYPE harvestry_test_connected gauge
                harvestry_test_connected 0

                """
        )
    }

    @Test("a timer is a histogram in seconds with the gateway's buckets")
    func timerHistogram() {
        let registry = PrometheusRegistry()
        let timer = Metrics.Timer(label: "harvestry_test_seconds", dimensions: [("stage", "executed")], factory: registry)
        timer.recordMilliseconds(3)
        timer.recordMilliseconds(40)
        timer.recordSeconds(20)
        let text = registry.render()
        #expect(text.hasPrefix("# TYPE harvestry_test_seconds histogram\n"))
        #expect(text.contains("harvestry_test_seconds_bucket{stage=\"executed\",le=\"0.0025\"} 0\n"))
        #expect(text.contains("harvestry_test_seconds_bucket{stage=\"executed\",le=\"0.005\"} 1\n"))
        #expect(text.contains("harvestry_test_seconds_bucket{stage=\"executed\",le=\"0.05\"} 2\n"))
        #expect(text.contains("harvestry_test_seconds_bucket{stage=\"executed\",le=\"10.0\"} 2\n"))
        #expect(text.contains("harvestry_test_seconds_bucket{stage=\"executed\",le=\"+Inf\"} 3\n"))
        #expect(text.contains("harvestry_test_seconds_count{stage=\"executed\"} 3\n"))
        #expect(text.contains("harvestry_test_seconds_sum{stage=\"executed\"} 20.043"))
    }
}
