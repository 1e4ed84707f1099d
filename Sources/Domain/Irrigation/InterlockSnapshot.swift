import Foundation

/// A value with the instant it was measured.
public struct Timed<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var at: Date

    public init(_ value: Value, at: Date) {
        self.value = value
        self.at = at
    }
}

/// The state of a safety loop (E-STOP chain, door switch): closed is safe.
public enum LoopState: String, Sendable, Hashable {
    case closed, open
}

/// The inputs an interlock reads; `InterlockPolicy.requiredInputs` says which must have a fresh reading.
public enum InterlockInput: String, Sendable, Hashable, CaseIterable {
    case eStop = "estop"
    case door
    case co2Exhaust = "co2_exhaust"
    case tankLevel = "tank_level"
    case ec
    case ph
}

/// A valve that is open now, as the devices last reported.
public struct OpenValve: Sendable, Hashable {
    public var zoneID: UUID
    public var loadClass: LoadClass
    public var openSince: Date

    public init(zoneID: UUID, loadClass: LoadClass, openSince: Date) {
        self.zoneID = zoneID
        self.loadClass = loadClass
        self.openSince = openSince
    }
}

/// Everything the interlocks look at, for one group's scope at `now`. The caller gathers it; the evaluator never
/// reads a clock or a store.
public struct InterlockSnapshot: Sendable, Hashable {
    public var now: Date
    public var eStop: Timed<LoopState>?
    public var door: Timed<LoopState>?
    /// True while the CO2 exhaust lockout is active.
    public var co2ExhaustLockout: Timed<Bool>?
    /// Mix tank level, percent.
    public var tankLevel: Timed<Double>?
    /// Feed EC, mS/cm.
    public var ec: Timed<Double>?
    public var ph: Timed<Double>?
    /// Faults and holds not yet cleared by an operator.
    public var lockouts: [Lockout]
    public var openValves: [OpenValve]

    public init(
        now: Date,
        eStop: Timed<LoopState>? = nil,
        door: Timed<LoopState>? = nil,
        co2ExhaustLockout: Timed<Bool>? = nil,
        tankLevel: Timed<Double>? = nil,
        ec: Timed<Double>? = nil,
        ph: Timed<Double>? = nil,
        lockouts: [Lockout] = [],
        openValves: [OpenValve] = []
    ) {
        self.now = now
        self.eStop = eStop
        self.door = door
        self.co2ExhaustLockout = co2ExhaustLockout
        self.tankLevel = tankLevel
        self.ec = ec
        self.ph = ph
        self.lockouts = lockouts
        self.openValves = openValves
    }

    /// When `input` was last measured, nil if never.
    public func measuredAt(_ input: InterlockInput) -> Date? {
        switch input {
        case .eStop: self.eStop?.at
        case .door: self.door?.at
        case .co2Exhaust: self.co2ExhaustLockout?.at
        case .tankLevel: self.tankLevel?.at
        case .ec: self.ec?.at
        case .ph: self.ph?.at
        }
    }
}
