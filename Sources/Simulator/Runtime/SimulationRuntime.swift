import Bus
import Foundation
import Logging
import Synchronization

/// Runs a site simulation against a real MQTT broker (docs/simulator.md "Runtime"): steps any `SiteSimulating` on
/// a simulated clock (`speed` times real time), publishes what its devices emit as the device protocol's messages
/// on `hv/v1/{site}/{device}/...` (QoS 1) over shared connections (`ConnectionPlan`), spools them durably while the
/// broker is out of reach, feeds commands from the `cmd` topics to the simulation, and records the ground truth.
public final class SimulationRuntime<Site: SiteSimulating>: Sendable {
    public let spec: SiteSpec
    public let configuration: RuntimeConfiguration
    public let stats = RuntimeStats()
    private let initial: Site
    private let truth: TruthRecorder?
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let clock = Mutex<SimClock?>(nil)
    private let injector = Mutex<FaultInjector?>(nil)

    public init(
        spec: SiteSpec,
        simulation: Site,
        configuration: RuntimeConfiguration,
        truth: TruthRecorder? = nil,
        logger: Logger = Logger(label: "harvestry.sim")
    ) throws(SpecError) {
        try configuration.validate()
        self.spec = spec
        self.initial = simulation
        self.configuration = configuration
        self.truth = truth
        self.logger = logger
    }

    /// Ends the run early: the loop stops at its next step, then the connections drain and close as at the end.
    public func stop() {
        self.stopRequested.store(true, ordering: .sequentiallyConsistent)
    }

    /// The simulation's clock now (its start before `run()`): what a `FaultInjector` over this run reads.
    public var simNow: SimInstant {
        self.clock.withLock { $0 }.map { $0.sim(at: .now) } ?? self.configuration.start
    }

    /// Lets `injector` end its timed faults as the simulated clock passes their expiry (the loop calls
    /// `expireDue(at:)` and wakes for `nextExpiry`) and keeps `stats.faultsActive` current. Call before `run()`.
    public func attach(_ injector: FaultInjector) {
        self.injector.withLock { $0 = injector }
    }

    /// Runs the simulation for `configuration.duration` of simulated time (or until `stop()`), then waits for the
    /// spools to drain (at most `drainTimeout`), publishes `offline` for every device and disconnects.
    public func run() async throws {
        let fileIO = FileIOQueue()
        do {
            try await self.run(fileIO: fileIO)
        } catch {
            await fileIO.shutdown()
            throw error
        }
        await fileIO.shutdown()
    }

    /// `run()` with `fileIO`, the thread all spools' file work runs on.
    private func run(fileIO: FileIOQueue) async throws {
        let lock = try await self.lockSpoolDirectory(on: fileIO)
        defer { lock.release() }
        // Frozen at the start while the connections come up (`waitForConnections`).
        let frozen = SimClock(simStart: self.configuration.start, wallStart: .now, speed: 1e-12)
        let context = RuntimeContext(
            site: self.spec.site,
            broker: { [configuration = self.configuration] in configuration.broker(forGroup: $0) },
            keepAliveSeconds: self.configuration.keepAliveSeconds,
            laneCount: self.configuration.lanesPerConnection,
            spoolDirectory: self.configuration.spoolDirectory,
            fileIO: fileIO,
            currentClock: { self.clock.withLock { $0 } ?? frozen },
            truth: self.truth,
            stats: self.stats,
            inbox: CommandInbox(),
            logger: self.logger
        )
        let devices = self.initial.devices
        let controllerOf = Dictionary(
            self.spec.devices.compactMap { device in device.controller.map { (device.id, $0) } },
            uniquingKeysWith: { first, _ in first }
        )
        let plans = ConnectionPlan.plan(
            site: self.spec.site,
            devices: devices,
            controllerOf: controllerOf,
            groupOf: DeviceGroups(spec: self.spec).groupOf,
            groupSize: self.configuration.groupSize,
            instance: self.configuration.instance
        )
        var opened: [DeviceConnection] = []
        for plan in plans { opened.append(try await DeviceConnection.open(plan: plan, context: context)) }
        let connections = opened
        self.stats.update {
            $0.devices = devices.count
            $0.connections = connections.count
        }
        self.logger.info(
            "simulation starting",
            metadata: [
                "site": "\(self.spec.site)", "instance": "\(self.configuration.instance)",
                "devices": "\(devices.count)", "connections": "\(connections.count)",
                "broker": "\(self.configuration.broker)", "proxied_groups": "\(self.configuration.brokerByGroup.count)",
                "speed": "\(self.configuration.speed)",
            ]
        )
        let closeAll = { @Sendable in
            await forEachConcurrently(connections, width: connections.count) { connection in
                await connection.close(timeout: self.configuration.drainTimeout)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.run() } }
            do {
                await self.waitForConnections(connections)
                let clock = SimClock(
                    simStart: self.configuration.start,
                    wallStart: .now,
                    speed: self.configuration.speed
                )
                self.clock.withLock { $0 = clock }
                try await self.loop(context: context, connections: connections)
            } catch {
                await closeAll()
                throw error
            }
            await closeAll()
            try await group.waitForAll()
        }
        // The connections drain their spools after the last step: what is left now is what the next run replays.
        self.stats.update { $0.spooled = connections.reduce(0) { $0 + $1.outbox.spooledCount } }
        await self.truth?.flush()
    }

    /// Waits until every connection is up with its presence published and its spool replayed, at most `connectWait` (or until `stop()`): the
    /// simulated clock starts after, so the first steps go out live instead of to the spools and back through the
    /// file thread (which made the first seconds late: p99 290 ms against 1.4 ms in `bench sim`).
    private func waitForConnections(_ connections: [DeviceConnection]) async {
        let deadline = ContinuousClock.now + self.configuration.connectWait
        while ContinuousClock.now < deadline, !self.stopRequested.load(ordering: .sequentiallyConsistent) {
            if connections.allSatisfy(\.isLive) { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Creates the spool directory and takes its lock for this site and instance (`SpoolDirectoryLock`), on the
    /// file thread.
    private func lockSpoolDirectory(on fileIO: FileIOQueue) async throws(SimFileError) -> SpoolDirectoryLock {
        let directory = self.configuration.spoolDirectory
        let instance = self.configuration.instance
        let tag = ConnectionPlan.siteTag(self.spec.site, instance: instance)
        return try await fileIO.run { () throws(SimFileError) -> SpoolDirectoryLock in
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SimFileError(path: directory, message: "cannot create: \(error)")
            }
            return try SpoolDirectoryLock(directory: directory, tag: tag, instance: instance)
        }
    }

    private func loop(context: RuntimeContext, connections: [DeviceConnection]) async throws {
        var simulation = self.initial
        var mapper = PayloadMapper(site: self.spec.site)
        var router = EmissionRouter(connections: connections, truth: self.truth, logger: self.logger)
        let end = self.configuration.start + self.configuration.duration
        let minimumSleep: Duration = .milliseconds(1)
        let injector = self.injector.withLock { $0 }
        while !self.stopRequested.load(ordering: .sequentiallyConsistent) {
            let now = min(context.clock.sim(at: .now), end)
            var nextExpiry: SimInstant?
            if let injector {
                // Undone first, so what the undo emits goes out with this step.
                await injector.expireDue(at: now)
                nextExpiry = await injector.nextExpiry
                self.stats.setFaultsActive(await injector.activeCount)
            }
            var emissions: [Emission] = []
            let commands = context.inbox.takeAll()
            if !commands.isEmpty || simulation.nextDue <= now {
                emissions += simulation.advance(to: now)
                for command in commands {
                    self.truth?.record(
                        .command(id: command.id, name: command.name, rejection: nil, device: command.device, at: now)
                    )
                    emissions += simulation.receive(command, at: now)
                }
            }
            try await router.route(emissions, mapper: &mapper)
            self.stats.update {
                $0.simNanos = now.nanosecondsSinceEpoch
                $0.spooled = connections.reduce(0) { $0 + $1.outbox.spooledCount }
            }
            if now >= end { break }
            let wake = context.clock.wall(at: min(simulation.nextDue, nextExpiry ?? end, end))
            // A fault applied meanwhile makes the simulation due at once (its emissions wait in it); `stop()` ends
            // the wait too (a site with nothing due, e.g. only an inverter, would sleep to the end of the run).
            try await context.inbox.wait(until: max(wake, .now + minimumSleep)) {
                simulation.nextDue <= context.clock.sim(at: .now)
                    || self.stopRequested.load(ordering: .sequentiallyConsistent)
            }
        }
    }
}
