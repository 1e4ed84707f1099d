/// Which devices share which broker connection, pure. An irrigation controller gets a connection of its own (its
/// own last will), shared with the devices wired to it (`DeviceSpec.controller`: its valves, pump, tank sensor);
/// every other device joins a group of at most `groupSize`, one connection per group, the way an edge gateway
/// carries many sensors. A group's will is the gateway's own status topic.
///
/// Devices of different device groups (`DeviceGroups`) never share a connection: the plan partitions the devices
/// by group first (groups in order of their first device), then cuts each group into connections of `groupSize`,
/// so every connection goes through its group's fault proxy. A controller's connection is in the controller's
/// group, with every device wired to it (`DeviceGroups` puts those in the controller's group too).
public struct ConnectionPlan: Hashable, Sendable {
    /// 1-23 characters, stable across runs of the same site and instance (a persistent session keeps queued
    /// commands); different for each instance, so two simulators of one site do not take over each other's sessions.
    public var clientID: String
    public var devices: [SimulatedDevice]
    /// The device whose `status` topic carries the connection's last will: the controller, or the group's gateway.
    public var willDevice: DeviceID
    public var isController: Bool
    /// The device group all its devices belong to (`DeviceGroups.siteLevel` for a device `groupOf` does not name).
    public var group: String

    /// `groupOf` maps a device to its group; a device it does not name is in `DeviceGroups.siteLevel`.
    public static func plan(
        site: String,
        devices: [SimulatedDevice],
        controllerOf: [DeviceID: DeviceID],
        groupOf: [DeviceID: String] = [:],
        groupSize: Int,
        instance: String = RuntimeConfiguration.defaultInstance
    ) -> [ConnectionPlan] {
        let groupOf = { (device: DeviceID) in groupOf[device] ?? DeviceGroups.siteLevel }
        let tag = Self.siteTag(site, instance: instance)
        var plans: [ConnectionPlan] = []
        var controllerIndex: [DeviceID: Int] = [:]
        for device in devices where device.kind == .irrigationController {
            controllerIndex[device.id] = plans.count
            plans.append(
                ConnectionPlan(
                    clientID: "hvs-\(tag)-c\(Self.number(plans.count))",
                    devices: [device],
                    willDevice: device.id,
                    isController: true,
                    group: groupOf(device.id)
                )
            )
        }
        var groupNames: [String] = []
        var grouped: [String: [SimulatedDevice]] = [:]
        for device in devices where device.kind != .irrigationController {
            if let controller = controllerOf[device.id], let index = controllerIndex[controller] {
                plans[index].devices.append(device)
            } else {
                let name = groupOf(device.id)
                if grouped[name] == nil { groupNames.append(name) }
                grouped[name, default: []].append(device)
            }
        }
        let size = max(1, groupSize)
        var number = 0
        for name in groupNames {
            let members = grouped[name] ?? []
            for start in stride(from: 0, to: members.count, by: size) {
                let gateway = "simgw-\(tag)-\(Self.number(number))"
                plans.append(
                    ConnectionPlan(
                        clientID: "hvs-\(tag)-g\(Self.number(number))",
                        devices: Array(members[start..<min(start + size, members.count)]),
                        willDevice: gateway,
                        isController: false,
                        group: name
                    )
                )
                number += 1
            }
        }
        return plans
    }

    /// 8 hex digits of an FNV-1a hash of the site id and, for an instance other than the default, `/<instance>`
    /// (the default instance keeps the tag of the site alone, which runs before instances existed used).
    static func siteTag(_ site: String, instance: String = RuntimeConfiguration.defaultInstance) -> String {
        let key = instance == RuntimeConfiguration.defaultInstance ? site : "\(site)/\(instance)"
        var hash: UInt32 = 0x811C_9DC5
        for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    private static func number(_ value: Int) -> String {
        let text = String(value)
        return text.count >= 5 ? text : String(repeating: "0", count: 5 - text.count) + text
    }
}
