/// An injected fault and where it stands.
public struct InjectedFault: Hashable, Sendable {
    public enum State: String, Hashable, Sendable {
        /// Applied and not yet ended.
        case active
        /// A timed fault that ran out (and was undone).
        case expired
        /// Ended by a clear (and undone).
        case cleared
        /// Momentary: applied and done at once.
        case done
    }

    public var id: Int
    public var request: FaultRequest
    public var state: State
    public var appliedAt: SimInstant
    /// When a timed fault ends.
    public var expiresAt: SimInstant?
    public var endedAt: SimInstant?
    public var appliedBy: String
    /// Who cleared it; `expiry` for a timed fault that ran out.
    public var endedBy: String?
    /// The devices a device fault was applied to (one, or a group's).
    public var devices: [DeviceID]

    /// The API resource name.
    public var name: String { "simulator/faults/\(self.id)" }

    /// `estop-open on devices/ctl-1 for 30s`, `toxic-latency on deviceGroups/room-a held`.
    public var summary: String {
        let how: String
        if self.request.effect.isMomentary {
            how = "momentary"
        } else if let duration = self.request.duration {
            how = "for \(duration)"
        } else {
            how = "held"
        }
        return "\(self.request.effect.name) on \(self.request.target) \(how)"
    }

    /// Parses `simulator/faults/{id}`.
    public static func id(fromName name: String) -> Int? {
        let prefix = "simulator/faults/"
        guard name.hasPrefix(prefix), let id = Int(name.dropFirst(prefix.count)), id > 0,
            String(id) == name.dropFirst(prefix.count)
        else { return nil }
        return id
    }
}

/// One line of the fault log: a fault applied, cleared or expired, on what, when (simulation clock) and by whom.
/// The runtime writes each into the ground truth (`TruthRecord.fault(record.what, detail: record.detail,
/// device: record.target, at: record.at)`).
public struct FaultLogRecord: Hashable, Sendable {
    public enum Action: String, Hashable, Sendable {
        case applied, cleared, expired
    }

    public var action: Action
    /// The fault's resource name, `simulator/faults/{id}`.
    public var fault: String
    /// The effect's name, e.g. `estop-open`.
    public var what: String
    /// The target as the API names it: `devices/{id}`, `deviceGroups/{group}`, `broker`, `inverter`.
    public var target: String
    public var devices: [DeviceID]
    public var at: SimInstant
    public var by: String

    /// `applied by cli (simulator/faults/3: estop-open on devices/ctl-1 for 30.0 seconds)`.
    public var detail: String

    init(_ action: Action, _ record: InjectedFault, at: SimInstant, by: String) {
        self.action = action
        self.fault = record.name
        self.what = record.request.effect.name
        self.target = record.request.target.description
        self.devices = record.devices
        self.at = at
        self.by = by
        self.detail = "\(action.rawValue) by \(by) (\(record.name): \(record.summary))"
    }
}
