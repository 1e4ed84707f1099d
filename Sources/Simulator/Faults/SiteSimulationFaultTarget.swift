import Synchronization

/// `DeviceFaultTarget` over a `SiteSimulation` kept behind a lock. It is also the `SiteSimulating` the runtime steps
/// (`harvestry sim run`), so faults and steps go through the same lock and its emissions stay in order: the
/// emissions a fault causes (outputs switching off, events, states) wait in the same lock and come out first from
/// the next `advance(to:)` / `receive(_:at:)` (or from `takeEmissions()`, for tests that step through
/// `withSimulation`). Device groups are given at start; `all` is every device.
public final class SiteSimulationFaultTarget: DeviceFaultTarget, SiteSimulating {
    private struct State {
        var simulation: SiteSimulation
        var pending: [Emission] = []
    }

    private let state: Mutex<State>
    private let groups: [String: [DeviceID]]
    public let devices: [SimulatedDevice]

    public init(_ simulation: SiteSimulation, groups: [String: [DeviceID]] = [:]) {
        self.groups = groups.merging(["all": simulation.devices.map(\.id)]) { given, _ in given }
        self.devices = simulation.devices
        self.state = Mutex(State(simulation: simulation))
    }

    /// Runs `body` on the simulation (to step it or read it) under the lock.
    public func withSimulation<Result>(_ body: (inout SiteSimulation) -> Result) -> Result {
        self.state.withLock { body(&$0.simulation) }
    }

    /// The emissions faults caused since the last call, in order.
    public func takeEmissions() -> [Emission] {
        self.state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending
        }
    }

    /// The simulation's next due instant, or the epoch while fault emissions wait (so the runtime steps now).
    public var nextDue: SimInstant {
        self.state.withLock { state in
            state.pending.isEmpty ? state.simulation.nextDue : SimInstant(nanosecondsSinceEpoch: 0)
        }
    }

    /// The waiting fault emissions, then the simulation's own up to `now`.
    public func advance(to now: SimInstant) -> [Emission] {
        self.state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending + state.simulation.advance(to: now)
        }
    }

    public func receive(_ command: SimCommand, at now: SimInstant) -> [Emission] {
        self.state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending + state.simulation.receive(command, at: now)
        }
    }

    public func problem(applying fault: DeviceFault, to device: DeviceID) async -> String? {
        self.state.withLock { $0.simulation.problem(applying: fault, to: device) }
    }

    public func devices(inGroup group: String) async -> [DeviceID]? {
        self.groups[group]
    }

    public func apply(_ fault: DeviceFault, to device: DeviceID, at now: SimInstant) async {
        self.state.withLock { state in
            state.pending += state.simulation.apply(fault, to: device, at: now)
        }
    }
}
