import API
import ArgumentParser
import SwiftProtobuf

/// What a fault applies to: exactly one of them.
struct FaultTargetOptions: ParsableArguments {
    @Option(help: "A simulated device id.")
    var device: String?

    @Option(help: "A device group: a zone id, site or all (for network kinds: its fault proxy).")
    var group: String?

    @Flag(help: "The broker the simulator owns.")
    var broker = false

    @Flag(help: "The simulated inverter's Modbus server.")
    var inverter = false

    func target() throws -> String {
        var targets: [String] = []
        if let device = self.device { targets.append("devices/\(device)") }
        if let group = self.group { targets.append("deviceGroups/\(group)") }
        if self.broker { targets.append("broker") }
        if self.inverter { targets.append("inverter") }
        guard targets.count == 1 else {
            throw ValidationError("give exactly one of --device, --group, --broker, --inverter")
        }
        return targets[0]
    }
}

/// What a fault does, by name.
enum FaultKind: String, CaseIterable, ExpressibleByArgument {
    case estopOpen = "estop-open", estopClose = "estop-close", doorOpen = "door-open", doorClose = "door-close"
    case poeLoss = "poe-loss", acLoss = "ac-loss", restorePower = "restore-power"
    case tankLow = "tank-low", offline, restore
    case stuck, drift, noise, dropout
    case brokerKill = "broker-kill", brokerRestart = "broker-restart"
    case down, blackhole, latency, bandwidth, resetPeer = "reset-peer", slicer, limitData = "limit-data", timeout
    case dropFirstConnections = "drop-first-connections", dropFirstChunks = "drop-first-chunks"
    case modbusException = "modbus-exception", modbusTimeout = "modbus-timeout", modbusJunk = "modbus-junk"
}

/// The parameters some kinds take; the simulator validates them and names the field it refuses.
struct FaultParameterOptions: ParsableArguments {
    @Option(help: "Sensor kinds: the stream key (temperature, ec, level, ...); default every stream.")
    var stream: String?

    @Option(help: "noise: standard deviation, stream units.")
    var sigma: Double?

    @Option(help: "drift: stream units per hour.")
    var perHour: Double?

    @Option(help: "Network kinds: upstream, downstream or both (default).")
    var direction: String?

    @Option(help: "Network kinds: the share of connections, 0-1 (default 1).")
    var toxicity: Double?

    @Option(help: "latency: e.g. 200ms.")
    var latency: String?

    @Option(help: "latency: e.g. 50ms.")
    var jitter: String?

    @Option(help: "bandwidth: KB/s.")
    var rate: Int64?

    @Option(help: "reset-peer, timeout: after how long (timeout: 0 holds the connection open).")
    var after: String?

    @Option(help: "slicer: average chunk size, bytes.")
    var averageSize: Int64?

    @Option(help: "slicer: size variation, bytes.")
    var sizeVariation: Int64?

    @Option(help: "slicer: delay between pieces, e.g. 10ms.")
    var delay: String?

    @Option(help: "limit-data: bytes forwarded per connection.")
    var bytes: Int64?

    @Option(help: "drop-first-*, modbus kinds: only the first N.")
    var count: Int64?

    @Option(help: "modbus-exception: the exception code (1-6, 8, 10, 11).")
    var exceptionCode: UInt32?

    @Option(help: "modbus kinds: a register name (repeatable); default every register.")
    var register: [String] = []

    @Option(help: "modbus kinds: wire addresses FIRST-LAST instead of names.")
    var range: String?

    func fault(_ kind: FaultKind) throws -> Harvestry_Simulator_V1_Fault {
        var fault = Harvestry_Simulator_V1_Fault()
        if let device = Self.deviceKinds[kind] {
            fault.device = .with { $0.kind = device }
        } else if let sensor = Self.sensorKinds[kind] {
            fault.sensor = .with {
                $0.kind = sensor
                $0.stream = self.stream ?? ""
                $0.sigma = self.sigma ?? 0
                $0.perHour = self.perHour ?? 0
            }
        } else if kind == .brokerKill || kind == .brokerRestart {
            fault.broker = .with { $0.kind = kind == .brokerKill ? .kill : .restart }
        } else if let modbus = Self.modbusKinds[kind] {
            fault.modbus = try self.modbus(modbus)
        } else if let network = Self.networkKinds[kind] {
            fault.network = try self.network(network)
        }
        return fault
    }

    private func network(_ kind: Harvestry_Simulator_V1_NetworkFault.Kind) throws -> Harvestry_Simulator_V1_NetworkFault
    {
        var network = Harvestry_Simulator_V1_NetworkFault()
        network.kind = kind
        switch self.direction?.lowercased() {
        case nil, "both": network.direction = .both
        case "upstream", "up": network.direction = .upstream
        case "downstream", "down": network.direction = .downstream
        default: throw ValidationError("--direction: must be upstream, downstream or both")
        }
        network.toxicity = self.toxicity ?? 0
        if let latency = self.latency { network.latency = try FaultDurationText.parse(latency, option: "--latency") }
        if let jitter = self.jitter { network.jitter = try FaultDurationText.parse(jitter, option: "--jitter") }
        if let after = self.after { network.timeout = try FaultDurationText.parse(after, option: "--after") }
        if let delay = self.delay { network.delay = try FaultDurationText.parse(delay, option: "--delay") }
        network.rateKilobytesPerSecond = self.rate ?? 0
        network.averageSize = self.averageSize ?? 0
        network.sizeVariation = self.sizeVariation ?? 0
        network.bytes = self.bytes ?? 0
        network.count = self.count ?? 0
        return network
    }

    private func modbus(_ kind: Harvestry_Simulator_V1_ModbusFault.Kind) throws -> Harvestry_Simulator_V1_ModbusFault {
        var modbus = Harvestry_Simulator_V1_ModbusFault()
        modbus.kind = kind
        modbus.exceptionCode = self.exceptionCode ?? 0
        modbus.registers = self.register
        modbus.count = self.count ?? 0
        if let range = self.range {
            let bounds = range.split(separator: "-").map { UInt32($0) }
            guard bounds.count == 2, let first = bounds[0], let last = bounds[1] else {
                throw ValidationError("--range: expected FIRST-LAST wire addresses, e.g. 13019-13024")
            }
            modbus.range = .with {
                $0.first = first
                $0.last = last
            }
        }
        return modbus
    }

    static let deviceKinds: [FaultKind: Harvestry_Simulator_V1_DeviceFault.Kind] = [
        .estopOpen: .estopOpen, .estopClose: .estopClose, .doorOpen: .doorOpen, .doorClose: .doorClose,
        .poeLoss: .poeLoss, .acLoss: .acLoss, .restorePower: .restorePower, .tankLow: .tankLow, .offline: .offline,
        .restore: .restore,
    ]
    static let sensorKinds: [FaultKind: Harvestry_Simulator_V1_SensorFault.Kind] = [
        .stuck: .stuck, .drift: .drift, .noise: .noise, .dropout: .dropout,
    ]
    static let networkKinds: [FaultKind: Harvestry_Simulator_V1_NetworkFault.Kind] = [
        .down: .down, .blackhole: .blackhole, .latency: .latency, .bandwidth: .bandwidth, .resetPeer: .resetPeer,
        .slicer: .slicer, .limitData: .limitData, .timeout: .timeout, .dropFirstConnections: .dropFirstConnections,
        .dropFirstChunks: .dropFirstChunks,
    ]
    static let modbusKinds: [FaultKind: Harvestry_Simulator_V1_ModbusFault.Kind] = [
        .modbusException: .exception, .modbusTimeout: .timeout, .modbusJunk: .junkReply,
    ]
}
