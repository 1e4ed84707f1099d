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
}
