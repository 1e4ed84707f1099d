import ArgumentParser
import Foundation
import Logging
import Simulator

/// `harvestry bench sim`: the simulator at real time through the real broker against a bare publish loop.
struct SimBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulator runtime: devices per core, messages/s and publish jitter against a bare publish loop.",
        discussion: """
            Runs the site (--pilot or --scenario, grown to --devices) at real time for --duration through the \
            broker (--mqtt-url, or a private embedded Mosquitto), then, in the same run, a bare loop publishing a \
            one-reading batch per device per second over the same connections: the physical limit. Prints a table \
            of messages/s, CPU share, devices per core and publish lateness p50/p95/p99. --pin-cpu N pins this \
            process (after the embedded broker has started, which keeps its own CPUs) to core N.
            """
    )

    @OptionGroup var options: SimOptions
    @Option(help: "How long each run lasts, e.g. 60s.") var duration = "60s"
    @Option(help: "Pin the simulator to this CPU (Linux).") var pinCpu: Int?
    @Option(help: "Record the ground truth (JSON lines) to this file during the simulator run.") var truth: String?

    func run() async throws {
        var logger = Logger(label: "harvestry.bench.sim")
        logger.logLevel = .warning
        let spec = try self.options.siteSpec()
        let start = try self.options.startInstant()
        let simulation = SiteSimulation(spec: spec, seed: self.options.seed, start: start)
        let duration = try SimOptions.duration(self.duration, field: "--duration")
        let spoolDirectory = NSTemporaryDirectory() + "harvestry-bench-sim-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: spoolDirectory) }
        let truth = try self.truth.map { try TruthRecorder(path: $0) }
        let rows: [SimBenchmark.Row]
        do {
            rows = try await self.measure(
                spec: spec,
                simulation: simulation,
                start: start,
                duration: duration,
                spoolDirectory: spoolDirectory,
                truth: truth,
                logger: logger
            )
        } catch {
            await truth?.close()
            throw error
        }
        await truth?.close()
        SimTruthReport.warn(truth)
        print(SimBenchmark.table(rows))
    }

    private func measure(
        spec: SiteSpec,
        simulation: SiteSimulation,
        start: SimInstant,
        duration: Duration,
        spoolDirectory: String,
        truth: TruthRecorder?,
        logger: Logger
    ) async throws -> [SimBenchmark.Row] {
        try await self.options.withBroker { endpoint in
            if let cpu = self.pinCpu, !ProcessMeasures.pinToCPU(cpu) {
                throw ValidationError("--pin-cpu \(cpu): cannot pin this process to that CPU")
            }
            return try await Self.measure(
                simulation,
                spec: spec,
                configuration: RuntimeConfiguration(
                    broker: endpoint,
                    groupSize: self.options.groupSize,
                    lanesPerConnection: self.options.lanes,
                    start: start,
                    duration: duration,
                    spoolDirectory: spoolDirectory,
                    instance: self.options.instance
                ),
                truth: truth,
                logger: logger
            )
        }
    }

    static func measure<Site: SiteSimulating>(
        _ simulation: Site,
        spec: SiteSpec,
        configuration: RuntimeConfiguration,
        truth: TruthRecorder?,
        logger: Logger
    ) async throws -> [SimBenchmark.Row] {
        try await SimBenchmark.measure(
            spec: spec,
            simulation: simulation,
            configuration: configuration,
            truth: truth,
            logger: logger
        )
    }
}
