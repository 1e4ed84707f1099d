import Metrics
import Synchronization

/// The run engine's metrics, through swift-metrics:
///
/// - `harvestry_irrigation_alerts_total{code}`: alerts raised (e.g. `VALVE_CLOSE_UNCONFIRMED`, `TANK_LOW`);
/// - `harvestry_irrigation_interlock_events_total{kind}`: interlock events recorded (`BLOCKED` ... `CLEARED`);
/// - `harvestry_irrigation_engine_errors_total`: passes over a run or settlement that failed (retried next tick).
public final class RunEngineMetrics: Sendable {
    private let factory: any MetricsFactory
    private let alerts = Mutex<[String: Counter]>([:])
    private let events = Mutex<[String: Counter]>([:])
    private let errors: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.errors = Counter(label: "harvestry_irrigation_engine_errors_total", factory: factory)
    }

    func alert(_ code: String) { self.counter(self.alerts, "harvestry_irrigation_alerts_total", "code", code) }

    func interlockEvent(_ kind: String) {
        self.counter(self.events, "harvestry_irrigation_interlock_events_total", "kind", kind)
    }

    func error() { self.errors.increment() }

    private func counter(
        _ counters: borrowing Mutex<[String: Counter]>,
        _ label: String,
        _ dimension: String,
        _ value: String
    ) {
        let counter = counters.withLock { counters in
            if let counter = counters[value] { return counter }
            let counter = Counter(label: label, dimensions: [(dimension, value)], factory: self.factory)
            counters[value] = counter
            return counter
        }
        counter.increment()
    }
}
