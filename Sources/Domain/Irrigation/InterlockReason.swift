/// Why an interlock blocked, aborted or shut down actuation: the stable code logged as `blockReason`, written to
/// `interlock_events` and the audit log.
public enum InterlockReason: String, Sendable, Hashable, CaseIterable, Comparable {
    case eStopOpen = "ESTOP_OPEN"
    case doorOpen = "DOOR_OPEN"
    case staleReading = "STALE_READING"
    case tankLow = "TANK_LOW"
    case ecOutOfBounds = "EC_OUT_OF_BOUNDS"
    case phOutOfBounds = "PH_OUT_OF_BOUNDS"
    case maxRuntimeExceeded = "MAX_RUNTIME_EXCEEDED"
    case co2ExhaustLockout = "CO2_EXHAUST_LOCKOUT"
    case concurrencyCap = "CONCURRENCY_CAP"

    /// What the interlock does to water that is flowing (FRP-06's "Behavior" column).
    public var effect: InterlockEffect {
        switch self {
        case .eStopOpen, .doorOpen: .shutOffAndLatch
        case .staleReading, .tankLow, .ecOutOfBounds, .phOutOfBounds, .maxRuntimeExceeded: .abortRun
        case .co2ExhaustLockout: .blockStart
        case .concurrencyCap: .queue
        }
    }

    /// How actuation may resume afterwards (FRP-06's "Recovery" column).
    public var recovery: InterlockRecovery {
        switch self {
        case .eStopOpen, .doorOpen: .manualRearm
        case .staleReading, .tankLow: .automaticWhenCleared
        case .ecOutOfBounds, .phOutOfBounds: .operatorReview
        case .maxRuntimeExceeded: .manualRestart
        case .co2ExhaustLockout: .automaticWhenCleared
        case .concurrencyCap: .automaticWhenCleared
        }
    }

    /// Whether an alert is raised (beyond the log and the audit entry).
    public var raisesAlert: Bool {
        switch self {
        case .eStopOpen, .doorOpen, .tankLow, .ecOutOfBounds, .phOutOfBounds, .maxRuntimeExceeded, .staleReading: true
        case .co2ExhaustLockout, .concurrencyCap: false
        }
    }

    /// Precedence when several apply: the order of the cases (E-STOP first, the concurrency cap last). The
    /// effect's severity decides first; this order only picks the reported reason among equally severe ones.
    public static func < (lhs: InterlockReason, rhs: InterlockReason) -> Bool {
        let order = Self.allCases
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// What an interlock does, most severe first.
public enum InterlockEffect: Int, Sendable, Hashable, Comparable {
    /// Every valve in scope OFF now, and a fault latched until an operator re-arms.
    case shutOffAndLatch = 3
    /// The run's valves are closed and the run ends Aborted.
    case abortRun = 2
    /// Nothing opens; a running run goes on.
    case blockStart = 1
    /// The open waits for a free slot.
    case queue = 0

    public static func < (lhs: InterlockEffect, rhs: InterlockEffect) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How actuation resumes after an interlock.
public enum InterlockRecovery: String, Sendable, Hashable {
    /// The fault stays latched until an authorized operator re-arms with the input closed again.
    case manualRearm = "MANUAL_REARM"
    /// A new start is allowed as soon as the condition clears (tank refilled, fresh reading, exhaust clear, slot free).
    case automaticWhenCleared = "AUTOMATIC"
    /// Starts stay blocked until an operator reviews and overrides.
    case operatorReview = "OPERATOR_REVIEW"
    /// Nothing restarts by itself; an operator starts a new run.
    case manualRestart = "MANUAL_RESTART"
}
