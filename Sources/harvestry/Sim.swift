import ArgumentParser
import Bus
import Foundation
import Logging
import Simulator
import UnixSignals

/// `harvestry sim ...`: the device simulator (docs/simulator.md).
struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a site's devices over MQTT.",
        subcommands: [SimRun.self, FaultCommand.self]
    )
}

/// `harvestry sim run`: runs a site simulation against a broker until --duration of simulated time has passed or
/// SIGINT/SIGTERM, with a live summary line.
struct SimRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a simulated site against an MQTT broker.",
        discussion: """
            The site is the seeded pilot (--pilot) or a scenario file (--scenario), optionally grown to --devices by \
            replicating its sensors. Devices publish the device protocol (docs/device-protocol.md) on \
            hv/v1/{site}/{device}/..., QoS 1, over shared connections (--group-size), and take commands from their \
            cmd topics. While the broker is unreachable their messages go to a durable spool (--spool-dir) and are \
            replayed in order once it is back. --truth writes the ground truth as JSON lines.
            """
    )

    @OptionGroup var options: SimOptions
    @Option(help: "Simulated seconds per real second (1 = real time).") var speed = 1.0
    @Option(help: "How long to run in simulated time, e.g. 90s, 15m, 2h.") var duration = "60s"
    @Option(help: "Write the ground truth (JSON lines) to this file.") var truth: String?

    func validate() throws {
        guard self.speed.isFinite, self.speed >= 0.001, self.speed <= 1_000_000 else {
            throw ValidationError("--speed must be between 0.001 and 1000000 (got \(self.speed))")
        }
        _ = try SimOptions.duration(self.duration, field: "--duration")
    }

    func run() async throws {
        var logger = Logger(label: "harvestry.sim")
        logger.logLevel = .info
        let spec = try self.options.siteSpec()
        let start = SimOptions.now()
        let simulation = SiteSimulation(spec: spec, seed: self.options.seed, start: start)
        let duration = try SimOptions.duration(self.duration, field: "--duration")
        var truth: TruthRecorder?
        if let path = self.truth { truth = try TruthRecorder(path: path) }
        defer { truth?.close() }
        try await self.options.withBroker { endpoint in
            let configuration = RuntimeConfiguration(
                broker: endpoint,
                groupSize: self.options.groupSize,
                lanesPerConnection: self.options.lanes,
                speed: self.speed,
                start: start,
                duration: duration,
                spoolDirectory: self.options.spoolDir
            )
            try await Self.drive(simulation, spec: spec, configuration: configuration, truth: truth, logger: logger)
        }
    }

    /// Opens the existential: the runtime is generic over the simulation's type.
    static func drive<Site: SiteSimulating>(
        _ simulation: Site,
        spec: SiteSpec,
        configuration: RuntimeConfiguration,
        truth: TruthRecorder?,
        logger: Logger
    ) async throws {
        let runtime = try SimulationRuntime(
            spec: spec,
            simulation: simulation,
            configuration: configuration,
            truth: truth,
            logger: logger
        )
        let summary = SimSummary(stats: runtime.stats, start: configuration.start)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                    runtime.stop()
                    return
                }
            }
            group.addTask { await summary.run() }
            try await runtime.run()
            group.cancelAll()
        }
        print(summary.finalLine())
    }
}
