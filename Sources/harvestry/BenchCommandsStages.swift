import Metrics
import Foundation
import HarvestryApp
import Synchronization

/// The dispatchers' stage timers during a dispatched run (`CommandDispatchMetrics.stageLabel`), kept in memory: a
/// metrics factory that records only those and ignores every other metric.
final class DispatchStageTimers: MetricsFactory, Sendable {
    private let samples = StageSamples()

    /// The recorded durations of `stage`, sorted.
    func latencies(_ stage: CommandDispatchMetrics.DispatchStage) -> [Duration] {
        self.samples.sorted(stage.rawValue)
    }

    /// The bench's own stage: `count` commands created `duration` before their enqueue transaction returned.
    func enqueued(_ count: Int, after duration: Duration) {
        for _ in 0..<count { self.samples.append(Self.enqueuedStage, duration) }
    }

    var enqueuedLatencies: [Duration] { self.samples.sorted(Self.enqueuedStage) }

    private static let enqueuedStage = "enqueued"

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard label == CommandDispatchMetrics.stageLabel, let stage = dimensions.first(where: { $0.0 == "stage" })
        else { return NOOPMetricsHandler.instance }
        return StageTimer(stage: stage.1, samples: self.samples)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        NOOPMetricsHandler.instance
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// Durations by stage name.
private final class StageSamples: Sendable {
    private let state = Mutex<[String: [Duration]]>([:])

    func append(_ stage: String, _ duration: Duration) {
        self.state.withLock { $0[stage, default: []].append(duration) }
    }

    func sorted(_ stage: String) -> [Duration] {
        self.state.withLock { $0[stage] ?? [] }.sorted()
    }
}

private final class StageTimer: TimerHandler, Sendable {
    let stage: String
    let samples: StageSamples

    init(stage: String, samples: StageSamples) {
        self.stage = stage
        self.samples = samples
    }

    func recordNanoseconds(_ duration: Int64) {
        self.samples.append(self.stage, .nanoseconds(duration))
    }
}

/// One line of the stage table: how long after their creation the dispatched run's commands reached a stage.
struct CommandStageRow: Sendable {
    var stage: String
    var rate: Int
    var result: BenchResult

    static let header = """
        | dispatcher stage (from creation) | commands/s | count | p50 | p95 | p99 | max |
        | --- | --- | --- | --- | --- | --- | --- |
        """

    var line: String {
        "| \(self.stage) | \(self.rate) | \(self.result.latencies.count) | \(self.result.percentile(0.5)) | "
            + "\(self.result.percentile(0.95)) | \(self.result.percentile(0.99)) | \(self.result.percentile(1)) |"
    }

    /// The rows of one dispatched run: the enqueue transactions, each stage the dispatchers timed, then the
    /// settlement the run measured.
    static func rows(rate: Int, timers: DispatchStageTimers, settled: BenchResult) -> [CommandStageRow] {
        let enqueued = BenchResult(wall: .zero, latencies: timers.enqueuedLatencies)
        let dispatched = CommandDispatchMetrics.DispatchStage.allCases.map { stage in
            CommandStageRow(
                stage: stage.rawValue,
                rate: rate,
                result: BenchResult(wall: .zero, latencies: timers.latencies(stage))
            )
        }
        return [CommandStageRow(stage: "enqueued (committed)", rate: rate, result: enqueued)] + dispatched
            + [CommandStageRow(stage: "settled (sink told)", rate: rate, result: settled)]
    }
}
