/// What a simulated site is made of. The runtime builds it from the seeded pilot site or a scenario file; the site
/// simulation (`SiteSimulating`) is created from it, a seed and a start instant.
public struct SiteSpec: Hashable, Sendable {
    /// The site's id, the `{site}` of every topic.
    public var site: String
    public var zones: [ZoneSpec]
    public var devices: [DeviceSpec]

    public init(site: String, zones: [ZoneSpec], devices: [DeviceSpec]) {
        self.site = site
        self.zones = zones
        self.devices = devices
    }
}

/// A grow zone: where substrate sensors sit and what a valve waters.
public struct ZoneSpec: Hashable, Sendable {
    public var id: String
    public var code: String

    public init(id: String, code: String) {
        self.id = id
        self.code = code
    }
}

public struct DeviceSpec: Hashable, Sendable {
    public var id: DeviceID
    public var code: String
    public var kind: SimulatedDeviceKind
    /// The zone the device sits in (sensors) or waters (valves); nil for room-level devices.
    public var zone: String?
    /// Valves only: the INT-150VA supply's load class.
    public var loadClass: ValveLoad?
    /// Valves, pumps and tank sensors: the edge irrigation controller whose outputs and inputs they are.
    public var controller: DeviceID?
    /// Sensors: how often they sample and publish.
    public var sampleInterval: Duration

    public init(
        id: DeviceID, code: String, kind: SimulatedDeviceKind, zone: String? = nil, loadClass: ValveLoad? = nil,
        controller: DeviceID? = nil, sampleInterval: Duration = .seconds(1)
    ) {
        self.id = id
        self.code = code
        self.kind = kind
        self.zone = zone
        self.loadClass = loadClass
        self.controller = controller
        self.sampleInterval = sampleInterval
    }
}

/// A valve's electrical load class on the INT-150VA supply: at most 1 high-load and 6 standard valves at once.
public enum ValveLoad: String, Hashable, Sendable {
    case highLoad = "HL"
    case standard = "STD"
}
