/// The pure heart of a simulation: a site's devices and the physics that couples them (irrigation wets substrate,
/// pumps drain the tank), stepped on the simulation's clock. No I/O and no wall clock: the runtime delivers commands
/// and faults in and publishes what comes out, so a seed and the same inputs give the same emissions.
public protocol SiteSimulating: Sendable {
    /// Every simulated device: what the runtime connects, subscribes and publishes for.
    var devices: [SimulatedDevice] { get }

    /// The earliest instant at which something is due (a sample, a program step, a runtime limit); the runtime
    /// sleeps until then (or until a command or fault arrives).
    var nextDue: SimInstant { get }

    /// Steps physics and devices up to and including `now`; returns what happened, ordered by time.
    mutating func advance(to now: SimInstant) -> [Emission]

    /// A command arriving on a device's `cmd` topic at `now` (after `advance(to: now)`).
    mutating func receive(_ command: SimCommand, at now: SimInstant) -> [Emission]
}

/// A device of the simulated site.
public struct SimulatedDevice: Hashable, Sendable {
    public var id: DeviceID
    public var site: String
    public var kind: SimulatedDeviceKind
    /// A human name for logs and the live summary, e.g. `VLV-003`.
    public var code: String

    public init(id: DeviceID, site: String, kind: SimulatedDeviceKind, code: String) {
        self.id = id
        self.site = site
        self.kind = kind
        self.code = code
    }
}

public enum SimulatedDeviceKind: String, Hashable, Sendable, CaseIterable {
    case climateSensor = "climate-sensor"
    case substrateSensor = "substrate-sensor"
    case tankLevel = "tank-level"
    case valve
    case pump
    case irrigationController = "irrigation-controller"
    case inverter
}
