import ArgumentParser
import Bus
import CoreTransport
import Foundation
import GRPCCore
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
            replayed in order once it is back. --truth writes the ground truth as JSON lines. Fault injection \
            (SimulatorService, `harvestry sim fault`) is served on 127.0.0.1:--grpc-port. Each device group (a zone, \
            `site` for devices without one) reaches the broker through a fault proxy of its own for network faults \
            on deviceGroups/{group} (--no-fault-proxies: straight to the broker).
            """
    )

    @OptionGroup var options: SimOptions
    @Option(help: "Simulated seconds per real second (1 = real time).") var speed = 1.0
    @Option(help: "How long to run in simulated time, e.g. 90s, 15m, 2h.") var duration = "60s"
    @Option(help: "Write the ground truth (JSON lines) to this file.") var truth: String?
    @Option(help: "Serve fault injection (SimulatorService) on 127.0.0.1 at this port; 0 picks a free one.")
    var grpcPort = 50061
    @OptionGroup var inverter: SimInverterOptions
    @Flag(help: "Connect the device groups straight to the broker, without a fault proxy each (no network faults).")
    var noFaultProxies = false

    func validate() throws {
        guard (0...65_535).contains(self.grpcPort) else {
            throw ValidationError("--grpc-port must be 0...65535 (got \(self.grpcPort))")
        }
        guard self.speed.isFinite, self.speed >= 0.001, self.speed <= 1_000_000 else {
            throw ValidationError("--speed must be between 0.001 and 1000000 (got \(self.speed))")
        }
        _ = try SimOptions.duration(self.duration, field: "--duration")
    }

    func run() async throws {
        let truth = try self.truth.map { try TruthRecorder(path: $0) }
        do {
            try await self.run(truth: truth)
        } catch {
            await truth?.close()
            throw error
        }
        await truth?.close()
        SimTruthReport.warn(truth)
    }

    private func run(truth: TruthRecorder?) async throws {
        var logger = Logger(label: "harvestry.sim")
        logger.logLevel = .info
        let spec = try self.options.siteSpec()
        let start = try self.options.startInstant()
        let simulation = SiteSimulation(spec: spec, seed: self.options.seed, start: start)
        let duration = try SimOptions.duration(self.duration, field: "--duration")
        let groups = DeviceGroups(spec: spec)
        let clock = SimNowBinding(until: start)
        try await self.withBroker(proxying: groups, truth: truth, clock: clock) { endpoint, embedded, network in
            let configuration = RuntimeConfiguration(
                broker: endpoint,
                brokerByGroup: network?.endpoints ?? [:],
                groupSize: self.options.groupSize,
                lanesPerConnection: self.options.lanes,
                speed: self.speed,
                start: start,
                duration: duration,
                spoolDirectory: self.options.spoolDir,
                instance: self.options.instance
            )
            let site = SiteSimulationFaultTarget(simulation, groups: groups.members)
            let runtime = try SimulationRuntime(
                spec: spec,
                simulation: site,
                configuration: configuration,
                truth: truth,
                logger: logger
            )
            let inverter = try self.inverter.start(spec: spec, start: start, logger: logger)
            clock.bind { runtime.simNow }
            let injector = FaultInjector(
                targets: .init(
                    devices: site,
                    network: network,
                    broker: embedded.map(EmbeddedBrokerFaultTarget.init),
                    modbus: inverter,
                    summary: RuntimeSummarySource(stats: runtime.stats)
                ),
                clock: { runtime.simNow },
                log: { truth?.record(.fault($0)) }
            )
            runtime.attach(injector)
            try await SimInverterOptions.hosting(inverter, clock: { runtime.simNow }) {
                try await Self.drive(runtime, injector: injector, grpcPort: self.grpcPort)
            }
        }
    }

    /// Runs `runtime` with SimulatorService over `injector` on 127.0.0.1:`grpcPort`, until its duration has passed
    /// or SIGINT/SIGTERM, with the live summary.
    static func drive<Site: SiteSimulating>(
        _ runtime: SimulationRuntime<Site>,
        injector: FaultInjector,
        grpcPort: Int
    ) async throws {
        let transport = CoreServerTransport(host: "127.0.0.1", port: grpcPort)
        let server = GRPCServer(transport: transport, services: [SimulatorService(injector: injector)])
        let summary = SimSummary(stats: runtime.stats, start: runtime.configuration.start)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let address = try await transport.listeningAddress
            print("fault injection (SimulatorService) on \(address)")
            fflush(nil)
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                    runtime.stop()
                    return
                }
            }
            group.addTask { await summary.run() }
            do {
                try await runtime.run()
            } catch {
                server.beginGracefulShutdown()
                throw error
            }
            server.beginGracefulShutdown()
            group.cancelAll()
        }
        print(summary.finalLine())
    }
}
