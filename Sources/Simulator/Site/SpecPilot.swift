import Domain
import Foundation
import Store

extension SiteSpec {
    /// The seeded pilot site (`PilotSeed`): its zones and devices with their seeded UUIDs, plus what the seed does
    /// not hold: one irrigation controller and one tank-level sensor per room, with deterministic ids
    /// (`PilotSeed.id("sim/controller/VEG-1")`, `.../tank/VEG-1`); the room's valves and pump and its tank sensor
    /// belong to its controller. Temperature and humidity sensors are climate sensors; EC, pH and moisture
    /// sensors are substrate sensors.
    public static func pilot() -> SiteSpec {
        var zones: [ZoneSpec] = []
        var devices: [DeviceSpec] = []
        var controllers: [String: DeviceID] = [:]
        for room in PilotSeed.rooms {
            zones += room.zoneCodes.map { ZoneSpec(id: Self.pilotID("zone/\($0)"), code: $0) }
            let controller = Self.pilotID("sim/controller/\(room.code)")
            controllers[room.code] = controller
            devices.append(DeviceSpec(id: controller, code: "IRR-\(room.code)", kind: .irrigationController))
            devices.append(
                DeviceSpec(
                    id: Self.pilotID("sim/tank/\(room.code)"),
                    code: "TANK-\(room.code)",
                    kind: .tankLevel,
                    controller: controller
                )
            )
        }
        for device in PilotSeed.devices {
            let inZone = device.placement.contains("-Z")
            let room = inZone ? String(device.placement.prefix(while: { $0 != "Z" }).dropLast()) : device.placement
            let zone = inZone ? Self.pilotID("zone/\(device.placement)") : nil
            let id = device.id.uuidString.lowercased()
            switch device.kind {
            case .sensor:
                let climate = device.code.hasPrefix("TEMP") || device.code.hasPrefix("HUM")
                devices.append(
                    DeviceSpec(id: id, code: device.code, kind: climate ? .climateSensor : .substrateSensor, zone: zone)
                )
            case .valve:
                devices.append(
                    DeviceSpec(
                        id: id,
                        code: device.code,
                        kind: .valve,
                        zone: zone,
                        loadClass: device.loadClass == .highLoad ? .highLoad : .standard,
                        controller: controllers[room]
                    )
                )
            case .pump:
                devices.append(DeviceSpec(id: id, code: device.code, kind: .pump, controller: controllers[room]))
            case .controller:
                devices.append(DeviceSpec(id: id, code: device.code, kind: .irrigationController))
            case .inverter:
                devices.append(DeviceSpec(id: id, code: device.code, kind: .inverter))
            }
        }
        return SiteSpec(site: PilotSeed.siteID.uuidString.lowercased(), zones: zones, devices: devices)
    }

    private static func pilotID(_ key: String) -> String {
        PilotSeed.id(key).uuidString.lowercased()
    }
}
