import Domain
import Foundation
import Metrics
import Synchronization

/// The command dispatcher's metrics, through swift-metrics (`factory`, by default the process's `MetricsSystem`):
///
/// - `harvestry_irrigation_command_enqueue_to_ack_seconds{stage}`: from a command's creation (its enqueue in the
///   outbox) to the device's ack, by stage (`received`, `executed`, `rejected`), a timer (a histogram at `/metrics`);
/// - `harvestry_irrigation_commands_published_total`, `harvestry_irrigation_command_publish_failures_total`;
/// - `harvestry_irrigation_command_acks_total{stage}`: acks recorded (duplicates included);
/// - `harvestry_irrigation_commands_skipped_expired_total`: claimed commands not published because they had expired;
/// - `harvestry_irrigation_commands_expired_total`, `harvestry_irrigation_commands_timed_out_total`;
/// - `harvestry_irrigation_command_bad_acks_total{field}`: acks refused, by the field at fault (`payload`,
///   `command_id`, ...; `unknown_command` for an id the site does not have);
/// - `harvestry_irrigation_command_dispatch_stage_seconds{stage}`: where a command's way to its final ack spends
///   its time, each stage timed from the command's creation (`DispatchStage`), a timer like the first.
public final class CommandDispatchMetrics: Sendable {
    /// The points on a command's way through the dispatcher that `..._dispatch_stage_seconds` times from its
    /// creation: its claim committed (`claimed`), its PUBACK (`published`), its final ack (EXECUTED or REJECTED)
    /// read from the broker (`ack_arrived`), and that ack's transaction committed (`ack_recorded`).
    public enum DispatchStage: String, Sendable, CaseIterable {
        case claimed
        case published
        case ackArrived = "ack_arrived"
        case ackRecorded = "ack_recorded"
    }

    /// The stage timer's label.
    public static let stageLabel = "harvestry_irrigation_command_dispatch_stage_seconds"

    private let factory: any MetricsFactory
    private let latency: [CommandAck: Metrics.Timer]
    private let acks: [CommandAck: Counter]
    private let published: Counter
    private let publishFailures: Counter
    private let expired: Counter
    private let timedOut: Counter
    private let skipped: Counter
    private let badAcks = Mutex<[String: Counter]>([:])
    private let stages: [DispatchStage: Metrics.Timer]

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        var latency: [CommandAck: Metrics.Timer] = [:]
        var acks: [CommandAck: Counter] = [:]
        for stage in [CommandAck.received, .executed, .rejected] {
            let dimensions = [("stage", stage.rawValue)]
            latency[stage] = Metrics.Timer(
                label: "harvestry_irrigation_command_enqueue_to_ack_seconds",
                dimensions: dimensions,
                factory: factory
            )
            acks[stage] = Counter(
                label: "harvestry_irrigation_command_acks_total",
                dimensions: dimensions,
                factory: factory
            )
        }
        self.latency = latency
        self.acks = acks
        self.published = Counter(label: "harvestry_irrigation_commands_published_total", factory: factory)
        self.publishFailures = Counter(label: "harvestry_irrigation_command_publish_failures_total", factory: factory)
        self.expired = Counter(label: "harvestry_irrigation_commands_expired_total", factory: factory)
        self.timedOut = Counter(label: "harvestry_irrigation_commands_timed_out_total", factory: factory)
        self.skipped = Counter(label: "harvestry_irrigation_commands_skipped_expired_total", factory: factory)
        var stages: [DispatchStage: Metrics.Timer] = [:]
        for stage in DispatchStage.allCases {
            stages[stage] = Metrics.Timer(label: Self.stageLabel, dimensions: [("stage", stage.rawValue)], factory: factory)
        }
        self.stages = stages
    }

    /// A command reached `stage` at `now`.
    func reached(_ stage: DispatchStage, createdAt: Date, now: Date) {
        let seconds = now.timeIntervalSince(createdAt)
        if seconds >= 0 { self.stages[stage]?.recordNanoseconds(Int64(seconds * 1e9)) }
    }

    func publish(succeeded: Bool) {
        (succeeded ? self.published : self.publishFailures).increment()
    }

    /// An ack was recorded; `seconds` since the command's enqueue when it moved the command (nil for a duplicate).
    func ack(_ stage: CommandAck, enqueueToAck seconds: Double?) {
        self.acks[stage]?.increment()
        if let seconds, seconds >= 0 { self.latency[stage]?.recordNanoseconds(Int64(seconds * 1e9)) }
    }

    func skippedExpired() {
        self.skipped.increment()
    }

    func finished(_ status: CommandStatus) {
        switch status {
        case .expired: self.expired.increment()
        case .timeout: self.timedOut.increment()
        default: break
        }
    }

    func badAck(field: String) {
        let counter = self.badAcks.withLock { counters in
            if let counter = counters[field] { return counter }
            let counter = Counter(
                label: "harvestry_irrigation_command_bad_acks_total",
                dimensions: [("field", field)],
                factory: self.factory
            )
            counters[field] = counter
            return counter
        }
        counter.increment()
    }
}
