/// One line of the ground-truth log (JSON lines, docs/simulator.md "Runtime"): what really happened in the
/// simulation, for drills to check "no unsafe actuation" and "no data loss" against what the platform saw.
public struct TruthRecord: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        /// A physical output switched (`output`, `on`).
        case output
        /// A fault was applied or cleared (`fault`, `detail`).
        case fault
        /// A command arrived on a device's `cmd` topic (`command_id`, `command`, and `reason` when it was invalid).
        case command
        /// A message was handed to the broker connection (`channel`; for telemetry `sequence`, `readings` and
        /// `values`, the readings themselves; `spooled` when it waited in the spool, `published_sim_ns` the instant
        /// of the hand-off).
        case published
    }

    public var kind: Kind
    /// The simulation's instant, nanoseconds since the Unix epoch.
    public var simNanos: Int64
    public var device: DeviceID
    public var output: String?
    public var on: Bool?
    public var fault: String?
    public var detail: String?
    public var commandID: String?
    public var command: String?
    public var reason: String?
    public var channel: String?
    public var sequence: UInt64?
    public var readings: Int?
    public var spooled: Bool?
    /// `published`: the simulated instant the message was handed to the connection (`sim_ns` is when it was due).
    public var publishedNanos: Int64?
    /// `published` telemetry: the batch's readings, in the batch's order.
    public var values: [TruthReading]?

    public init(kind: Kind, at instant: SimInstant, device: DeviceID) {
        self.kind = kind
        self.simNanos = instant.nanosecondsSinceEpoch
        self.device = device
    }

    public var at: SimInstant { SimInstant(nanosecondsSinceEpoch: self.simNanos) }

    enum CodingKeys: String, CodingKey {
        case kind, device, output, on, fault, detail, command, reason, channel, sequence, readings, spooled, values
        case simNanos = "sim_ns"
        case publishedNanos = "published_sim_ns"
        case commandID = "command_id"
    }
}

extension TruthRecord {
    public static func output(_ output: String, isOn: Bool, device: DeviceID, at instant: SimInstant) -> TruthRecord {
        var record = TruthRecord(kind: .output, at: instant, device: device)
        record.output = output
        record.on = isOn
        return record
    }

    /// A fault applied to `device` (or a group, a connection: whatever `device` names), e.g. `estop-open`.
    public static func fault(_ fault: String, detail: String, device: DeviceID, at instant: SimInstant) -> TruthRecord {
        var record = TruthRecord(kind: .fault, at: instant, device: device)
        record.fault = fault
        record.detail = detail
        return record
    }

    public static func command(
        id: String,
        name: String?,
        rejection: String?,
        device: DeviceID,
        at instant: SimInstant
    ) -> TruthRecord {
        var record = TruthRecord(kind: .command, at: instant, device: device)
        record.commandID = id
        record.command = name
        record.reason = rejection
        return record
    }
}
