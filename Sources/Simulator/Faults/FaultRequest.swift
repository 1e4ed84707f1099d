/// A fault to inject, as the injector takes it (already decoded from gRPC or the CLI): what it applies to, what it
/// does, and for how long on the simulation's clock (nil: held until cleared).
public struct FaultRequest: Hashable, Sendable {
    public var target: FaultTarget
    public var effect: InjectedEffect
    public var duration: Duration?

    public init(target: FaultTarget, effect: InjectedEffect, duration: Duration? = nil) {
        self.target = target
        self.effect = effect
        self.duration = duration
    }
}

/// What a fault applies to. Its `description` is the API's `target` string.
public enum FaultTarget: Hashable, Sendable, CustomStringConvertible {
    /// One simulated device.
    case device(DeviceID)
    /// Every device of a group (device faults), or the fault proxy in front of the group (network faults).
    case deviceGroup(String)
    /// The broker process the simulator owns.
    case broker
    /// The simulated inverter's Modbus server.
    case inverter

    public var description: String {
        switch self {
        case .device(let id): "devices/\(id)"
        case .deviceGroup(let group): "deviceGroups/\(group)"
        case .broker: "broker"
        case .inverter: "inverter"
        }
    }

    /// Parses `devices/{id}`, `deviceGroups/{group}`, `broker` or `inverter`; nil for anything else.
    public init?(parsing text: String) {
        if text == "broker" {
            self = .broker
        } else if text == "inverter" {
            self = .inverter
        } else if let id = Self.suffix(of: text, after: "devices/") {
            self = .device(id)
        } else if let group = Self.suffix(of: text, after: "deviceGroups/") {
            self = .deviceGroup(group)
        } else {
            return nil
        }
    }

    private static func suffix(of text: String, after prefix: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = String(text.dropFirst(prefix.count))
        let allowed = rest.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.:".unicodeScalars.contains($0))
        }
        return (1...128).contains(rest.count) && allowed ? rest : nil
    }
}

/// What a fault does.
public enum InjectedEffect: Hashable, Sendable {
    /// A fault of the device models (`DeviceFault`): controller inputs, sensor faults, tank low, offline, restore.
    case device(DeviceFault)
    /// Momentary: a controller's PoE+ and 24 VAC both restored.
    case restorePower
    case broker(BrokerFaultAction)
    case network(NetworkToxic)
    case modbus(ModbusFaultSpec)

    /// A short name for logs and the ground truth, e.g. `estop-open`, `sensor-noise`, `toxic-latency`.
    public var name: String {
        switch self {
        case .device(let fault): fault.faultName
        case .restorePower: "restore-power"
        case .broker(let action): "broker-\(action.rawValue)"
        case .network(let toxic): "toxic-\(toxic.kind.typeName)"
        case .modbus(let spec): "modbus-\(spec.effectName)"
        }
    }

    /// Applied and done at once: the faults that are themselves an undoing. They take no duration.
    public var isMomentary: Bool {
        switch self {
        case .device(let fault):
            switch fault {
            case .estopClosed, .doorClosed, .poeRestored, .acRestored, .restore: true
            default: false
            }
        case .restorePower, .broker(.restart): true
        case .broker(.kill), .network, .modbus: false
        }
    }
}

public enum BrokerFaultAction: String, Hashable, Sendable {
    /// The broker process is killed; undone by starting it again.
    case kill
    /// Killed and started again at once.
    case restart
}

extension DeviceFault {
    /// The fault's name in logs and the ground truth (`estop-open`, `sensor-stuck`, ...).
    public var faultName: String {
        switch self {
        case .stuck: "sensor-stuck"
        case .drift: "sensor-drift"
        case .noise: "sensor-noise"
        case .dropout: "sensor-dropout"
        case .offline: "offline"
        case .tankLow: "tank-low"
        case .estopOpen: "estop-open"
        case .estopClosed: "estop-close"
        case .doorOpen: "door-open"
        case .doorClosed: "door-close"
        case .poeLost: "poe-loss"
        case .poeRestored: "poe-restore"
        case .acLost: "ac-loss"
        case .acRestored: "ac-restore"
        case .restore: "restore"
        }
    }
}
