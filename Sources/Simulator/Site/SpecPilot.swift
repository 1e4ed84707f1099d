import Domain
import Foundation
import Store

extension SiteSpec {
    /// The seeded pilot site (`PilotSeed`): its zones and devices with their seeded UUIDs (one source of truth: the
    /// seed holds each room's irrigation controller `IRR-<room>` and tank-level sensor `TANK-<room>`, ids
    /// `PilotSeed.id("sim/controller/VEG-1")`, `.../tank/VEG-1`). The room's valves and pump and its tank sensor belong
    /// to its controller. Temperature and humidity sensors are climate sensors; EC, pH and moisture sensors are
    /// substrate sensors. Each room's controller and tank come first (in room order), then the other devices.
    public static func pilot() -> SiteSpec {
        var zones: [ZoneSpec] = []
        var devices: [DeviceSpec] = []
        var controllers: [String: DeviceID] = [:]
        let controllerDevices = PilotSeed.devices.filter { $0.kind == .controller }
        let tanks = PilotSeed.devices.filter { $0.code.hasPrefix("TANK-") }
        for room in PilotSeed.rooms {
            zones += room.zoneCodes.map { ZoneSpec(id: Self.pilotID("zone/\($0)"), code: $0) }
            for device in controllerDevices where device.roomCode == room.code {
                let id = device.id.uuidString.lowercased()
                controllers[room.code] = id
                devices.append(DeviceSpec(id: id, code: device.code, kind: .irrigationController))
            }
            for tank in tanks where tank.roomCode == room.code {
                devices.append(
                    DeviceSpec(
                        id: tank.id.uuidString.lowercased(),
                        code: tank.code,
                        kind: .tankLevel,
                        controller: controllers[room.code]
                    )
                )
            }
        }
        for device in PilotSeed.devices where device.kind != .controller && !device.code.hasPrefix("TANK-") {
            let zone = device.placement.contains("-Z") ? Self.pilotID("zone/\(device.placement)") : nil
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
                        controller: controllers[device.roomCode]
                    )
                )
            case .pump:
                devices.append(
                    DeviceSpec(id: id, code: device.code, kind: .pump, controller: controllers[device.roomCode])
                )
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
