/// The pure simulation of a site (`SiteSimulating`): its sensors' physics, its edge irrigation controllers and the
/// coupling between them (an open valve wets its zone's substrate, a running pump drains its controller's tank, the
/// tank level feeds the controller's tank-low input). Built from a `SiteSpec`, a seed and a start instant; every
/// device draws from its own random stream (seed + device id), so a seed reproduces a run and adding a device does
/// not change the others. A due-queue of devices keeps a step proportional to the devices due, not the site's size.
public struct SiteSimulation: SiteSimulating {
    public let devices: [SimulatedDevice]
    let specs: [DeviceSpec]
    let indexByID: [DeviceID: Int]
    let roles: [Role]
    var sensors: [SiteSimulationSensor] = []
    public internal(set) var controllers: [IrrigationController] = []
    /// Per zone: how many of its valves are open; the sensors in it.
    var openValvesByZone: [Int]
    var substratesByZone: [[Int]]
    /// Per controller: how many of its pumps run; its tank sensors.
    var pumpsOnByController: [Int] = []
    var tanksByController: [[Int]] = []
    var offline: [Bool]
    var scheduled: [Int64]
    var queue: SiteSimulationDueQueue

    enum Role: Sendable {
        case sensor(Int)
        case controller(Int)
        /// A valve or pump, with the controller driving it and (valves) the zone it waters.
        case output(controller: Int?, zone: Int?, isPump: Bool)
        /// Simulated elsewhere (the inverter).
        case inert
    }

    public init(
        spec: SiteSpec,
        seed: UInt64,
        start: SimInstant,
        controllerConfig: ControllerConfig = ControllerConfig()
    ) {
        self.specs = spec.devices
        self.devices = spec.devices.map { SimulatedDevice(id: $0.id, site: spec.site, kind: $0.kind, code: $0.code) }
        self.indexByID = Dictionary(spec.devices.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let zoneIndex = Dictionary(spec.zones.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.openValvesByZone = Array(repeating: 0, count: spec.zones.count)
        self.substratesByZone = Array(repeating: [], count: spec.zones.count)
        self.offline = Array(repeating: false, count: spec.devices.count)
        self.scheduled = Array(repeating: .max, count: spec.devices.count)
        self.queue = SiteSimulationDueQueue(capacity: spec.devices.count * 2)

        var controllerIndex: [DeviceID: Int] = [:]
        var outputsByController: [DeviceID: [ControllerOutput]] = [:]
        for device in spec.devices where device.kind == .irrigationController {
            controllerIndex[device.id] = controllerIndex.count
        }
        for device in spec.devices {
            guard let controller = device.controller, controllerIndex[controller] != nil else { continue }
            switch device.kind {
            case .valve:
                // A valve of unknown load counts as HL, the restrictive class under the INT-150VA cap.
                outputsByController[controller, default: []].append(
                    ControllerOutput(device: device.id, kind: .valve(device.loadClass ?? .highLoad))
                )
            case .pump:
                outputsByController[controller, default: []].append(ControllerOutput(device: device.id, kind: .pump))
            default: break
            }
        }
        self.pumpsOnByController = Array(repeating: 0, count: controllerIndex.count)
        self.tanksByController = Array(repeating: [], count: controllerIndex.count)

        var roles: [Role] = []
        var firstDue: [(device: Int, at: SimInstant)] = []
        for (index, device) in spec.devices.enumerated() {
            let controller = device.controller.flatMap { controllerIndex[$0] }
            let zone = device.zone.flatMap { zoneIndex[$0] }
            var rng = SimRandom.stream(seed: seed, device: device.id)
            let faultRng = SimRandom.stream(seed: seed ^ 0x5eed_fa17, device: device.id)
            let model: SiteSimulationSensor.Model
            switch device.kind {
            case .climateSensor:
                model = .climate(ClimateModel(start: start))
            case .substrateSensor:
                model = .substrate(SubstrateModel(start: start, moisture: 40 + 10 * rng.unit()), zone: zone)
                if let zone { self.substratesByZone[zone].append(self.sensors.count) }
            case .tankLevel:
                model = .tank(TankModel(start: start, level: 70 + 20 * rng.unit()), controller: controller)
                if let controller { self.tanksByController[controller].append(self.sensors.count) }
            case .irrigationController:
                roles.append(.controller(self.controllers.count))
                self.controllers.append(
                    IrrigationController(
                        id: device.id,
                        outputs: outputsByController[device.id] ?? [],
                        config: controllerConfig,
                        start: start
                    )
                )
                firstDue.append((index, start))
                continue
            case .valve, .pump:
                roles.append(.output(controller: controller, zone: zone, isPump: device.kind == .pump))
                continue
            case .inverter:
                roles.append(.inert)
                continue
            }
            roles.append(.sensor(self.sensors.count))
            let interval = device.sampleInterval > .zero ? device.sampleInterval : .seconds(1)
            // A random phase within the first interval spreads a large site's samples over time.
            let phase = Int64(rng.unit() * Double(interval.nanoseconds))
            self.sensors.append(
                SiteSimulationSensor(
                    device: index,
                    interval: interval,
                    model: model,
                    rng: rng,
                    faultRng: faultRng
                )
            )
            firstDue.append((index, start + .nanoseconds(phase)))
        }
        self.roles = roles
        for (device, at) in firstDue { self.schedule(device, at: at) }
    }

    public var nextDue: SimInstant {
        SimInstant(nanosecondsSinceEpoch: self.queue.first?.due ?? .max)
    }

    public mutating func advance(to now: SimInstant) -> [Emission] {
        var out: [Emission] = []
        self.advance(to: now, into: &out)
        return out
    }

    /// `advance(to:)` appending to a caller's buffer (the runtime can reuse one across steps).
    public mutating func advance(to now: SimInstant, into out: inout [Emission]) {
        while let top = self.queue.first, top.due <= now.nanosecondsSinceEpoch {
            _ = self.queue.pop()
            let device = Int(top.device)
            guard self.scheduled[device] == top.due else { continue }  // stale: rescheduled since
            self.scheduled[device] = .max
            let at = SimInstant(nanosecondsSinceEpoch: top.due)
            switch self.roles[device] {
            case .sensor(let sensor):
                self.sample(sensor, at: at, into: &out)
                self.schedule(device, at: at + self.sensors[sensor].interval)
            case .controller(let controller):
                self.withController(controller, into: &out) { $0.advance(to: at, into: &$1) }
            case .output, .inert:
                break
            }
        }
    }
}
