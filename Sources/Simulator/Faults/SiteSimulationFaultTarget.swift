import Synchronization

/// `DeviceFaultTarget` over a `SiteSimulation` kept behind a lock: what a runtime that steps the simulation through
/// `withSimulation` (and the tests) uses. Device groups are given at start; `all` is every device. The emissions a
/// fault causes (outputs switching off, events, states) are collected for `takeEmissions()`.
public final class SiteSimulationFaultTarget: DeviceFaultTarget {
    private let simulation: Mutex<SiteSimulation>
    private let pending = Mutex<[Emission]>([])
    private let groups: [String: [DeviceID]]

    public init(_ simulation: SiteSimulation, groups: [String: [DeviceID]] = [:]) {
        self.groups = groups.merging(["all": simulation.devices.map(\.id)]) { given, _ in given }
        self.simulation = Mutex(simulation)
    }

    /// Runs `body` on the simulation (to step it or read it) under the lock.
    public func withSimulation<Result>(_ body: (inout SiteSimulation) -> Result) -> Result {
        self.simulation.withLock { body(&$0) }
    }

    /// The emissions faults caused since the last call, in order.
    public func takeEmissions() -> [Emission] {
        self.pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    public func problem(applying fault: DeviceFault, to device: DeviceID) async -> String? {
        self.simulation.withLock { $0.problem(applying: fault, to: device) }
    }

    public func devices(inGroup group: String) async -> [DeviceID]? {
        self.groups[group]
    }

    public func apply(_ fault: DeviceFault, to device: DeviceID, at now: SimInstant) async {
        let emissions = self.simulation.withLock { $0.apply(fault, to: device, at: now) }
        self.pending.withLock { $0.append(contentsOf: emissions) }
    }
}
