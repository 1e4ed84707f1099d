import Synchronization

@testable import Simulator

/// The simulation's clock as a test sets it.
final class TestSimClock: Sendable {
    private let now = Mutex(ModelsFixture.start)

    func read() -> SimInstant { self.now.withLock { $0 } }

    func set(_ instant: SimInstant) { self.now.withLock { $0 = instant } }
}

/// Keeps every fault log record.
final class FaultLogSink: Sendable {
    private let records = Mutex<[FaultLogRecord]>([])

    func write(_ record: FaultLogRecord) { self.records.withLock { $0.append(record) } }

    var all: [FaultLogRecord] { self.records.withLock { $0 } }
}

/// A network target that records what it was asked.
final class RecordingNetworkTarget: NetworkFaultTarget {
    private let calls = Mutex<[String]>([])

    var log: [String] { self.calls.withLock { $0 } }

    func hasProxy(forGroup group: String) async -> Bool { group == "room-a" }

    func addToxic(_ toxic: NetworkToxic, named name: String, group: String) async throws(FaultTargetError) {
        self.calls.withLock { $0.append("add \(name) \(toxic.kind.typeName) \(toxic.direction.rawValue) \(group)") }
    }

    func removeToxic(named name: String, group: String) async {
        self.calls.withLock { $0.append("remove \(name) \(group)") }
    }
}

/// The models' fixture site behind a `SiteSimulationFaultTarget`, a clock and a log, with an injector over them.
struct FaultHarness {
    let clock = TestSimClock()
    let sink = FaultLogSink()
    let site: SiteSimulationFaultTarget
    let network = RecordingNetworkTarget()
    let injector: FaultInjector

    init() {
        let simulation = SiteSimulation(spec: ModelsFixture.spec(), seed: 7, start: ModelsFixture.start)
        self.site = SiteSimulationFaultTarget(
            simulation,
            groups: ["sensors": [ModelsFixture.climate, ModelsFixture.substrate]]
        )
        let (clock, sink) = (self.clock, self.sink)
        self.injector = FaultInjector(
            targets: .init(devices: self.site, network: self.network),
            clock: { clock.read() },
            log: { sink.write($0) }
        )
    }

    /// Moves the clock and the simulation to `start + offset`; returns what the simulation emitted.
    @discardableResult
    func advance(to offset: Duration) -> [Emission] {
        let now = ModelsFixture.start + offset
        self.clock.set(now)
        return self.site.withSimulation { $0.advance(to: now) }
    }

    func controller() -> IrrigationController {
        self.site.withSimulation { $0.controllers[0] }
    }

    /// Opens a valve through the controller's command path.
    func open(_ valve: String) {
        let now = self.clock.read()
        let command = SimCommand(
            id: "open-\(valve)",
            idempotencyKey: "open-\(valve)",
            device: ModelsFixture.controller,
            name: ControllerCommand.valveOpen,
            parameters: ["valve": valve],
            expireTime: now + .seconds(60)
        )
        _ = self.site.withSimulation { $0.receive(command, at: now) }
    }

    static func readings(_ emissions: [Emission], device: DeviceID, stream: String) -> [Double] {
        emissions.compactMap { emission in
            guard emission.device == device, case .reading(stream, let value, _) = emission.kind else { return nil }
            return value
        }
    }
}

/// A broker target that records kills and starts, and fails to start when told to.
final class RecordingBrokerTarget: BrokerFaultTarget {
    private let calls = Mutex<[String]>([])
    let failStart: Bool

    init(failStart: Bool = false) { self.failStart = failStart }

    var log: [String] { self.calls.withLock { $0 } }

    func killBroker() async throws(FaultTargetError) { self.calls.withLock { $0.append("kill") } }

    func startBroker() async throws(FaultTargetError) {
        self.calls.withLock { $0.append("start") }
        if self.failStart { throw FaultTargetError("port in use") }
    }
}
