/// What the `FaultInjector` drives. Each is optional: a simulator without a broker of its own has no
/// `BrokerFaultTarget`, and faults for a missing target are refused (FAILED_PRECONDITION).

/// The simulated devices (`SiteSimulationFaultTarget` over a `SiteSimulation`; the runtime conforms for the site
/// it steps).
public protocol DeviceFaultTarget: Sendable {
    /// Why `fault` cannot apply to `device`, naming the field as `SiteSimulation.problem(applying:to:)` does
    /// (`device:`, `fault:`, `stream:`, `sigma:`, `per_hour:`); nil when it can.
    func problem(applying fault: DeviceFault, to device: DeviceID) async -> String?
    /// The devices of a group, nil when there is no such group.
    func devices(inGroup group: String) async -> [DeviceID]?
    /// Applies `fault` to `device` at `now` on the simulation's clock.
    func apply(_ fault: DeviceFault, to device: DeviceID, at now: SimInstant) async
}

/// The fault proxies between device groups and the broker (the runtime over the `FaultProxy`s it starts).
public protocol NetworkFaultTarget: Sendable {
    /// Whether `group`'s devices reach the broker through a fault proxy.
    func hasProxy(forGroup group: String) async -> Bool
    /// Adds `toxic` under `name` (unique, 1-64 of letters, digits, `_`, `-`, `.`) to `group`'s proxy, held until
    /// `removeToxic`.
    func addToxic(_ toxic: NetworkToxic, named name: String, group: String) async throws(FaultTargetError)
    func removeToxic(named name: String, group: String) async
}

/// The broker process, when the simulator owns it (the runtime over its `EmbeddedMosquitto`).
public protocol BrokerFaultTarget: Sendable {
    func killBroker() async throws(FaultTargetError)
    func startBroker() async throws(FaultTargetError)
}

/// The simulated inverter's Modbus server (`SimulatedInverter` conforms).
public protocol ModbusFaultTarget: Sendable {
    /// Sets `fault` under `name`, held until `clearModbusFault(named:)` (or its `count` is used up).
    func setModbusFault(named name: String, _ fault: ModbusFaultSpec) async throws(FaultTargetError)
    func clearModbusFault(named name: String) async
}

/// The simulator's live numbers for `GetSummary` (the runtime conforms over its `RuntimeStats`).
public protocol SimulatorSummarySource: Sendable {
    func summary() async -> SimulatorSummary
}

public struct SimulatorSummary: Hashable, Sendable {
    public var simTime: SimInstant
    public var devices: Int
    public var messagesPerSecond: Double
    public var published: Int
    public var spooled: Int

    public init(simTime: SimInstant, devices: Int, messagesPerSecond: Double, published: Int, spooled: Int) {
        self.simTime = simTime
        self.devices = devices
        self.messagesPerSecond = messagesPerSecond
        self.published = published
        self.spooled = spooled
    }
}

/// A target refused or failed to apply a fault; `field` names the request field at fault when there is one.
public struct FaultTargetError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String?
    public var message: String

    public init(field: String? = nil, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { self.field.map { "\($0): \(self.message)" } ?? self.message }
}
