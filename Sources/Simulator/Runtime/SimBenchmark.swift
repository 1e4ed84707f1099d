import Bus
import Foundation
import Logging

/// `harvestry bench sim`: a site simulation at real time through a real broker, measured against the bare
/// reference loop (`BareReferenceLoop`) in the same run: messages/s, CPU used, devices per core and the publish
/// lateness (hand-off to the broker connection minus the instant the message was due) at p50/p95/p99.
public enum SimBenchmark {
    public struct Row: Sendable {
        public var name: String
        public var devices: Int
        public var messages: Int
        public var elapsed: Duration
        public var cpu: Duration
        /// p50, p95, p99.
        public var lateness: [Duration]

        public var messagesPerSecond: Double { Double(self.messages) / Self.seconds(self.elapsed) }
        /// The share of one core the run used.
        public var coreShare: Double { Self.seconds(self.cpu) / Self.seconds(self.elapsed) }
        /// Devices one core could carry at this cost (devices / core share).
        public var devicesPerCore: Double { Double(self.devices) / max(self.coreShare, 1e-9) }

        static func seconds(_ duration: Duration) -> Double { max(1e-9, Double(duration.nanoseconds) / 1e9) }
    }

    public static let percentiles: [Double] = [50, 95, 99]

    /// Runs `simulation` for `configuration.duration` at real time (the configuration's speed is forced to 1),
    /// recording the ground truth into `truth` when given, then the reference for as long on the same connections
    /// plan.
    public static func measure<Site: SiteSimulating>(
        spec: SiteSpec,
        simulation: Site,
        configuration: RuntimeConfiguration,
        truth: TruthRecorder? = nil,
        logger: Logger
    ) async throws -> [Row] {
        var configuration = configuration
        configuration.speed = 1
        let runtime = try SimulationRuntime(
            spec: spec,
            simulation: simulation,
            configuration: configuration,
            truth: truth,
            logger: logger
        )
        let cpuBefore = ProcessMeasures.cpuTime()
        let started = ContinuousClock.now
        try await runtime.run()
        let simulated = Row(
            name: "simulator runtime",
            devices: simulation.devices.count,
            messages: runtime.stats.snapshot.published,
            elapsed: ContinuousClock.now - started,
            cpu: ProcessMeasures.cpuTime() - cpuBefore,
            lateness: runtime.stats.latenessPercentiles(Self.percentiles)
        )
        let controllerOf = Dictionary(
            spec.devices.compactMap { device in device.controller.map { (device.id, $0) } },
            uniquingKeysWith: { first, _ in first }
        )
        let plans = ConnectionPlan.plan(
            site: spec.site,
            devices: simulation.devices,
            controllerOf: controllerOf,
            groupOf: DeviceGroups(spec: spec).groupOf,
            groupSize: configuration.groupSize,
            instance: configuration.instance
        )
        let reference = try await BareReferenceLoop.run(
            plans: plans,
            site: spec.site,
            broker: configuration.broker,
            lanes: configuration.lanesPerConnection,
            duration: configuration.duration,
            percentiles: Self.percentiles,
            logger: logger
        )
        return [
            simulated,
            Row(
                name: "bare publish loop (reference)",
                devices: simulation.devices.count,
                messages: reference.messages,
                elapsed: reference.elapsed,
                cpu: reference.cpu,
                lateness: reference.lateness
            ),
        ]
    }

    /// The rows as a text table.
    public static func table(_ rows: [Row]) -> String {
        func ms(_ duration: Duration) -> String { String(format: "%.2f", Double(duration.nanoseconds) / 1e6) }
        let header = ["run", "devices", "messages", "msg/s", "cpu %", "devices/core", "p50 ms", "p95 ms", "p99 ms"]
        let lines = rows.map { row in
            [
                row.name, "\(row.devices)", "\(row.messages)", String(format: "%.0f", row.messagesPerSecond),
                String(format: "%.1f", row.coreShare * 100), String(format: "%.0f", row.devicesPerCore),
                ms(row.lateness[0]), ms(row.lateness[1]), ms(row.lateness[2]),
            ]
        }
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([format(header)] + lines.map(format)).joined(separator: "\n")
    }
}
