/// The device groups of a site (docs/simulator.md "Device groups"), pure: the devices that reach the broker
/// together, through one fault proxy in `harvestry sim run`, and that `deviceGroups/{group}` faults address.
///
/// A device's group is its zone's id (`DeviceSpec.zone`), or `site` for a device without a zone. A device wired to
/// an irrigation controller (`DeviceSpec.controller`: valves, pumps, tank sensors) is in its controller's group,
/// whatever its own zone: it reaches the broker over the controller's connection, so a network fault on the
/// controller's group is a fault on it too. A zone whose devices are all wired to a controller forms no group.
/// `all` names every device (and every proxy) and is not in `members`.
public struct DeviceGroups: Hashable, Sendable {
    /// The group of the devices without a zone (room-level sensors, controllers without one, ...).
    public static let siteLevel = "site"
    /// Every device; for network faults, every group's proxy.
    public static let all = "all"
    /// Zone ids a site may not use, because they name groups of their own.
    public static let reserved: Set<String> = [siteLevel, all]

    /// Each device's group.
    public let groupOf: [DeviceID: String]
    /// The groups in the order their first device appears in the spec.
    public let names: [String]
    /// Each group's devices, in spec order (without `all`).
    public let members: [String: [DeviceID]]

    public init(spec: SiteSpec) {
        let controllers = Dictionary(
            spec.devices.filter { $0.kind == .irrigationController }.map { ($0.id, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var groupOf: [DeviceID: String] = [:]
        var names: [String] = []
        var members: [String: [DeviceID]] = [:]
        for device in spec.devices where groupOf[device.id] == nil {
            let owner = device.controller.flatMap { controllers[$0] }
            let group = (owner.map(\.zone) ?? device.zone) ?? Self.siteLevel
            groupOf[device.id] = group
            if members[group] == nil { names.append(group) }
            members[group, default: []].append(device.id)
        }
        self.groupOf = groupOf
        self.names = names
        self.members = members
    }
}
