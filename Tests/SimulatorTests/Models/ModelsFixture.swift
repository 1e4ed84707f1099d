@testable import Simulator

/// A small site for the model and controller tests: one controller driving 2 HL and 8 STD valves (one zone each), a
/// pump and a tank; a substrate sensor in the first STD zone and a climate sensor.
enum ModelsFixture {
    /// 2025-11-30 11:00 UTC: lights on.
    static let start = SimInstant(secondsSinceEpoch: 1_764_500_400)
    static let controller = "ctl-1"
    static let highLoad = ["vlv-hl-1", "vlv-hl-2"]
    static let standard = (1...8).map { "vlv-std-\($0)" }
    static let pump = "pmp-1"
    static let tank = "tank-1"
    static let substrate = "sub-1"
    static let climate = "clim-1"

    static var valves: [String] { highLoad + standard }

    static func spec(extraSensors: Int = 0, sampleInterval: Duration = .seconds(1)) -> SiteSpec {
        var devices = [DeviceSpec(id: controller, code: "CTL-1", kind: .irrigationController)]
        for valve in valves { devices.append(Self.valveSpec(valve, controller: controller)) }
        devices.append(DeviceSpec(id: pump, code: "PMP-1", kind: .pump, controller: controller))
        devices.append(
            DeviceSpec(
                id: tank,
                code: "TANK-1",
                kind: .tankLevel,
                controller: controller,
                sampleInterval: sampleInterval
            )
        )
        devices.append(
            DeviceSpec(
                id: substrate,
                code: "SUB-1",
                kind: .substrateSensor,
                zone: "zone-vlv-std-1",
                sampleInterval: sampleInterval
            )
        )
        devices.append(DeviceSpec(id: climate, code: "CLIM-1", kind: .climateSensor, sampleInterval: sampleInterval))
        for index in 0..<extraSensors {
            devices.append(DeviceSpec(id: "extra-\(index)", code: "X-\(index)", kind: .climateSensor))
        }
        return SiteSpec(site: "site-1", zones: valves.map { ZoneSpec(id: "zone-\($0)", code: $0) }, devices: devices)
    }

    /// A valve in a zone of its own, HL when its id says `hl`.
    static func valveSpec(_ valve: String, controller: String) -> DeviceSpec {
        DeviceSpec(
            id: valve,
            code: valve.uppercased(),
            kind: .valve,
            zone: "zone-\(valve)",
            loadClass: valve.contains("hl") ? .highLoad : .standard,
            controller: controller
        )
    }

    static func outputs() -> [ControllerOutput] {
        valves.map { ControllerOutput(device: $0, kind: .valve($0.contains("hl") ? .highLoad : .standard)) }
            + [ControllerOutput(device: pump, kind: .pump)]
    }

    static func config(maxRuntime: Duration = .seconds(600)) -> ControllerConfig {
        var config = ControllerConfig()
        config.maxRuntime = maxRuntime
        return config
    }
}

/// Drives one controller and keeps what it emitted.
struct ControllerHarness {
    var controller: IrrigationController
    var now = ModelsFixture.start
    var emitted: [Emission] = []
    private var sequence = 0

    init(config: ControllerConfig = ModelsFixture.config()) {
        self.controller = IrrigationController(
            id: ModelsFixture.controller,
            outputs: ModelsFixture.outputs(),
            config: config,
            start: ModelsFixture.start
        )
        self.advance(by: .zero)
    }

    /// Sends a command and returns its final ack (stage, reason).
    @discardableResult
    mutating func send(
        _ name: String,
        _ parameters: [String: String] = [:],
        key: String? = nil,
        to device: DeviceID? = nil,
        expiresIn: Duration = .seconds(60)
    ) -> (stage: AckStage, reason: String) {
        self.sequence += 1
        let command = SimCommand(
            id: "cmd-\(self.sequence)",
            idempotencyKey: key ?? "key-\(self.sequence)",
            device: device ?? ModelsFixture.controller,
            name: name,
            parameters: parameters,
            expireTime: self.now + expiresIn
        )
        return self.deliver(command)
    }

    mutating func deliver(_ command: SimCommand) -> (stage: AckStage, reason: String) {
        var out: [Emission] = []
        let addressed = command.device == ModelsFixture.controller ? nil : command.device
        self.controller.receive(command, addressedValve: addressed, at: self.now, into: &out)
        self.emitted += out
        let acks = out.compactMap { emission -> (AckStage, String)? in
            guard case .ack(command.id, let stage, let reason) = emission.kind else { return nil }
            return (stage, reason)
        }
        return acks.last ?? (.received, "no final ack")
    }

    @discardableResult
    mutating func open(_ valve: String, seconds: Int? = nil) -> (stage: AckStage, reason: String) {
        var parameters = ["valve": valve]
        if let seconds { parameters["duration_s"] = String(seconds) }
        return self.send(ControllerCommand.valveOpen, parameters)
    }

    mutating func advance(by duration: Duration) {
        self.now = self.now + duration
        var out: [Emission] = []
        self.controller.advance(to: self.now, into: &out)
        self.emitted += out
    }

    mutating func input(_ change: (inout IrrigationController, SimInstant, inout [Emission]) -> Void) {
        var out: [Emission] = []
        change(&self.controller, self.now, &out)
        self.emitted += out
    }

    var onOutputs: [String] { self.controller.outputs.filter(\.isOn).map(\.device) }

    var eventCodes: [String] {
        self.emitted.compactMap { emission in
            guard case .event(_, let code, _, _) = emission.kind else { return nil }
            return code
        }
    }

    /// The outputChanged ground truth since `mark` (an index into `emitted`).
    func switches(since mark: Int = 0) -> [(device: String, isOn: Bool)] {
        self.emitted[mark...].compactMap { emission in
            guard case .outputChanged(_, let isOn) = emission.kind else { return nil }
            return (emission.device, isOn)
        }
    }
}
