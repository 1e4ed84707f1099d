/// A simulated device's id: the equipment UUID, lowercase, the `{device}` of its MQTT topics.
public typealias DeviceID = String

/// Something a simulated device did, at an instant on the simulation's clock. The runtime publishes the first four
/// kinds on the device's topics (docs/device-protocol.md); `outputChanged` is ground truth only (a relay, valve or
/// pump physically switching), recorded but never published.
public struct Emission: Hashable, Sendable {
    public var device: DeviceID
    public var at: SimInstant
    public var kind: Kind

    public init(device: DeviceID, at: SimInstant, kind: Kind) {
        self.device = device
        self.at = at
        self.kind = kind
    }

    public enum Kind: Hashable, Sendable {
        /// A measurement; the runtime batches a device's readings into its next `TelemetryBatch`.
        case reading(stream: String, value: Double, unit: String)
        /// Published once on `.../event`; `eventID` is unique per device.
        case event(eventID: String, code: String, severity: EventSeverity, message: String)
        /// The device's current state, published retained on `.../state`. `faultCode` is empty when none is latched.
        case state(faultCode: String, properties: [String: String])
        /// The answer to a command on `.../ack`: RECEIVED first, then EXECUTED or REJECTED with a reason.
        case ack(commandID: String, stage: AckStage, reason: String)
        /// Ground truth: a physical output (e.g. `valve`, `pump`, a controller's `zone-3`) switched on or off.
        case outputChanged(output: String, isOn: Bool)
    }
}

public enum EventSeverity: String, Hashable, Sendable {
    case info, warning, critical
}

public enum AckStage: String, Hashable, Sendable {
    case received, executed, rejected
}

/// A command as a device receives it on its `cmd` topic (the protobuf `Command`, in plain Swift).
public struct SimCommand: Hashable, Sendable {
    public var id: String
    public var idempotencyKey: String
    public var device: DeviceID
    /// What to do, e.g. `valve.open`.
    public var name: String
    public var parameters: [String: String]
    public var expireTime: SimInstant

    public init(
        id: String, idempotencyKey: String, device: DeviceID, name: String, parameters: [String: String],
        expireTime: SimInstant
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.device = device
        self.name = name
        self.parameters = parameters
        self.expireTime = expireTime
    }
}

extension Emission {
    /// The device's ack of `command` at `stage` (`reason` only for REJECTED).
    public static func ack(_ command: SimCommand, _ stage: AckStage, reason: String = "", at now: SimInstant) -> Emission {
        Emission(device: command.device, at: now, kind: .ack(commandID: command.id, stage: stage, reason: reason))
    }
}
