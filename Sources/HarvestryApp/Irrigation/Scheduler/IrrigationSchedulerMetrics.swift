import Metrics
import Synchronization

/// The scheduler's counters, through swift-metrics (by default the process's `MetricsSystem`, served by the
/// gateway's `/metrics`) and kept in a snapshot for tests and logs:
///
/// - `harvestry_irrigation_schedule_fires_total{outcome}`: fires decided by this instance, by outcome: `started`,
///   `failed` (StartRun or a precondition failed; the error is stored with the fire), `skipped` (missed beyond the
///   grace period);
/// - `harvestry_irrigation_phase_fires_total{outcome}`: the same for batch phase changes ((change, schedule) pairs);
/// - `harvestry_irrigation_scheduler_errors_total`: rounds or steps that failed against the store (retried next round).
public final class IrrigationSchedulerMetrics: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var started = 0
        public var failed = 0
        public var skipped = 0
        public var storeErrors = 0
        public var phaseStarted = 0
        public var phaseFailed = 0
        public var phaseSkipped = 0
    }

    private let started: Counter
    private let failed: Counter
    private let skipped: Counter
    private let storeErrors: Counter
    private let phaseStarted: Counter
    private let phaseFailed: Counter
    private let phaseSkipped: Counter
    private let state = Mutex(Snapshot())

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        let label = "harvestry_irrigation_schedule_fires_total"
        self.started = Counter(label: label, dimensions: [("outcome", "started")], factory: factory)
        self.failed = Counter(label: label, dimensions: [("outcome", "failed")], factory: factory)
        self.skipped = Counter(label: label, dimensions: [("outcome", "skipped")], factory: factory)
        self.storeErrors = Counter(label: "harvestry_irrigation_scheduler_errors_total", factory: factory)
        let phaseLabel = "harvestry_irrigation_phase_fires_total"
        self.phaseStarted = Counter(label: phaseLabel, dimensions: [("outcome", "started")], factory: factory)
        self.phaseFailed = Counter(label: phaseLabel, dimensions: [("outcome", "failed")], factory: factory)
        self.phaseSkipped = Counter(label: phaseLabel, dimensions: [("outcome", "skipped")], factory: factory)
    }

    public var snapshot: Snapshot { self.state.withLock { $0 } }

    func fireStarted() {
        self.started.increment()
        self.state.withLock { $0.started += 1 }
    }

    func fireFailed() {
        self.failed.increment()
        self.state.withLock { $0.failed += 1 }
    }

    func firesSkipped(_ count: Int) {
        guard count > 0 else { return }
        self.skipped.increment(by: count)
        self.state.withLock { $0.skipped += count }
    }

    func storeError() {
        self.storeErrors.increment()
        self.state.withLock { $0.storeErrors += 1 }
    }

    func phaseFireStarted() {
        self.phaseStarted.increment()
        self.state.withLock { $0.phaseStarted += 1 }
    }

    func phaseFireFailed() {
        self.phaseFailed.increment()
        self.state.withLock { $0.phaseFailed += 1 }
    }

    func phaseFireSkipped() {
        self.phaseSkipped.increment()
        self.state.withLock { $0.phaseSkipped += 1 }
    }
}
