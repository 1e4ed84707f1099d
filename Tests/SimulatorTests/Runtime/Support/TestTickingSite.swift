import Simulator

/// A test-only `SiteSimulating` (never in the product): `sensors` climate sensors that each publish one reading
/// (`air_temp` = the tick number) every simulated second, and one irrigation controller with one valve that
/// answers `valve.open` / `valve.close` with RECEIVED + EXECUTED and an output change, anything else with REJECTED
/// `UNKNOWN_COMMAND`. Enough to drive the runtime; the product runs `SiteSimulation`.
struct TestTickingSite: SiteSimulating {
    let devices: [SimulatedDevice]
    private let sensorIDs: [DeviceID]
    private(set) var nextDue: SimInstant
    private var tick = 0

    static let controllerID = "ctl-1"
    static let valveID = "vlv-1"

    init(site: String, sensors: Int, start: SimInstant) {
        let sensorIDs = (0..<sensors).map { "sensor-\($0)" }
        self.sensorIDs = sensorIDs
        self.devices =
            sensorIDs.map { SimulatedDevice(id: $0, site: site, kind: .climateSensor, code: $0.uppercased()) }
            + [
                SimulatedDevice(id: Self.controllerID, site: site, kind: .irrigationController, code: "IRR-1"),
                SimulatedDevice(id: Self.valveID, site: site, kind: .valve, code: "VLV-1"),
            ]
        self.nextDue = start + .seconds(1)
    }

    /// With `zones` > 0, sensor i sits in zone `zone-{i % zones}` (its device group); the controller and its valve
    /// have no zone (group `site`).
    static func spec(site: String, sensors: Int, zones: Int = 0) -> SiteSpec {
        SiteSpec(
            site: site,
            zones: (0..<zones).map { ZoneSpec(id: "zone-\($0)", code: "Z\($0)") },
            devices: (0..<sensors).map {
                DeviceSpec(
                    id: "sensor-\($0)",
                    code: "S\($0)",
                    kind: .climateSensor,
                    zone: zones > 0 ? "zone-\($0 % zones)" : nil
                )
            } + [
                DeviceSpec(id: controllerID, code: "IRR-1", kind: .irrigationController),
                DeviceSpec(id: valveID, code: "VLV-1", kind: .valve, loadClass: .standard, controller: controllerID),
            ]
        )
    }

    mutating func advance(to now: SimInstant) -> [Emission] {
        var emissions: [Emission] = []
        while self.nextDue <= now {
            self.tick += 1
            for id in self.sensorIDs {
                emissions.append(
                    Emission(
                        device: id,
                        at: self.nextDue,
                        kind: .reading(stream: "air_temp", value: Double(self.tick), unit: "degC")
                    )
                )
            }
            self.nextDue = self.nextDue + .seconds(1)
        }
        return emissions
    }

    mutating func receive(_ command: SimCommand, at now: SimInstant) -> [Emission] {
        let received = Emission(
            device: command.device,
            at: now,
            kind: .ack(commandID: command.id, stage: .received, reason: "")
        )
        guard command.device == Self.valveID, command.name == "valve.open" || command.name == "valve.close" else {
            return [
                received,
                Emission(
                    device: command.device,
                    at: now,
                    kind: .ack(commandID: command.id, stage: .rejected, reason: "UNKNOWN_COMMAND")
                ),
            ]
        }
        return [
            received,
            Emission(
                device: command.device,
                at: now,
                kind: .outputChanged(output: "valve", isOn: command.name == "valve.open")
            ),
            Emission(device: command.device, at: now, kind: .ack(commandID: command.id, stage: .executed, reason: "")),
        ]
    }
}
