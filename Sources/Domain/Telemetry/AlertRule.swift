import Foundation

/// When an alert fires on a stream. Values are in the stream's canonical unit.
public struct AlertRule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Fires while the value is below `lower` or above `upper`.
        case threshold
        /// Fires once `|value - target| > band` has held for `duration`.
        case deviation
        /// Fires while the change per minute between consecutive readings exceeds `ratePerMinute`.
        case rateOfChange = "rate_of_change"
    }

    public var id: UUID
    public var siteID: UUID
    public var streamID: UUID
    public var kind: Kind
    public var displayName: String?
    public var lower: Double?
    public var upper: Double?
    public var target: Double
    public var band: Double
    public var duration: TimeInterval
    public var ratePerMinute: Double

    public init(
        id: UUID = UUID(),
        siteID: UUID,
        streamID: UUID,
        kind: Kind,
        displayName: String? = nil,
        lower: Double? = nil,
        upper: Double? = nil,
        target: Double = 0,
        band: Double = 0,
        duration: TimeInterval = 0,
        ratePerMinute: Double = 0
    ) {
        self.id = id
        self.siteID = siteID
        self.streamID = streamID
        self.kind = kind
        self.displayName = displayName
        self.lower = lower
        self.upper = upper
        self.target = target
        self.band = band
        self.duration = duration
        self.ratePerMinute = ratePerMinute
    }

    /// The rule's parameters must make sense for its kind; violations name the request fields.
    public func validate() throws {
        let finite = [self.lower, self.upper, self.target, self.band, self.duration, self.ratePerMinute]
            .compactMap { $0 }.allSatisfy(\.isFinite)
        guard finite else { throw DomainError.invalid("alert_rule", "numbers must be finite") }
        try Validate.text(self.displayName, field: "alert_rule.display_name")
        switch self.kind {
        case .threshold:
            guard self.lower != nil || self.upper != nil else {
                throw DomainError.invalid("alert_rule.lower", "a threshold rule needs lower, upper or both")
            }
            if let lower, let upper, lower > upper {
                throw DomainError.invalid("alert_rule.upper", "must not be below lower")
            }
        case .deviation:
            guard self.band >= 0 else { throw DomainError.invalid("alert_rule.band", "must not be negative") }
            guard self.duration >= 0 else { throw DomainError.invalid("alert_rule.duration", "must not be negative") }
        case .rateOfChange:
            guard self.ratePerMinute > 0 else {
                throw DomainError.invalid("alert_rule.rate_per_minute", "must be positive")
            }
        }
    }
}

/// A rule's evaluation state, kept between batches (on the rule's row).
public struct AlertState: Sendable, Hashable {
    /// When the current deviation began.
    public var breachSince: Int64?
    /// The latest reading evaluated; older (late) readings do not re-open history.
    public var previousMicros: Int64?
    public var previousValue: Double?
    /// Whether the rule has an open alert.
    public var isOpen: Bool

    public init(
        breachSince: Int64? = nil,
        previousMicros: Int64? = nil,
        previousValue: Double? = nil,
        isOpen: Bool = false
    ) {
        self.breachSince = breachSince
        self.previousMicros = previousMicros
        self.previousValue = previousValue
        self.isOpen = isOpen
    }
}

/// What evaluating one reading asks the store to do.
public enum AlertAction: Sendable, Hashable {
    case none
    case fire(micros: Int64, value: Double, message: String)
    case clear(micros: Int64)
}

extension AlertRule {
    /// Evaluates one reading (readings of a stream in time order); updates `state` and says whether to open or
    /// close the rule's alert. Readings at or before the latest evaluated one are ignored.
    public func evaluate(_ reading: Reading, state: inout AlertState) -> AlertAction {
        if let previous = state.previousMicros, reading.micros <= previous { return .none }
        defer {
            state.previousMicros = reading.micros
            state.previousValue = reading.value
        }
        let value = reading.value
        let breach: String?
        switch self.kind {
        case .threshold:
            if let lower, value < lower {
                breach = "\(value) is below \(lower)"
            } else if let upper, value > upper {
                breach = "\(value) is above \(upper)"
            } else {
                breach = nil
            }
        case .deviation:
            if abs(value - self.target) > self.band {
                let since = state.breachSince ?? reading.micros
                state.breachSince = since
                let lasted = Double(reading.micros - since) / 1_000_000
                breach =
                    lasted >= self.duration
                    ? "\(value) deviates from \(self.target) by more than \(self.band) for \(Int(lasted)) s" : nil
                if breach == nil { return .none }
            } else {
                state.breachSince = nil
                breach = nil
            }
        case .rateOfChange:
            guard let previous = state.previousMicros, let previousValue = state.previousValue else { return .none }
            let minutes = Double(reading.micros - previous) / 60_000_000
            let rate = abs(value - previousValue) / minutes
            breach = rate > self.ratePerMinute ? "changes by \(rate) per minute, more than \(self.ratePerMinute)" : nil
        }
        switch (breach, state.isOpen) {
        case (let message?, false):
            state.isOpen = true
            return .fire(micros: reading.micros, value: value, message: String(message.prefix(500)))
        case (nil, true):
            state.isOpen = false
            return .clear(micros: reading.micros)
        default:
            return .none
        }
    }
}

/// A rule that fired; open until `clearedAt`.
public struct AlertInstance: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var ruleID: UUID
    public var streamID: UUID
    public var firedAt: Date
    public var clearedAt: Date?
    public var value: Double
    public var message: String

    public init(
        id: UUID,
        siteID: UUID,
        ruleID: UUID,
        streamID: UUID,
        firedAt: Date,
        clearedAt: Date?,
        value: Double,
        message: String
    ) {
        self.id = id
        self.siteID = siteID
        self.ruleID = ruleID
        self.streamID = streamID
        self.firedAt = firedAt
        self.clearedAt = clearedAt
        self.value = value
        self.message = message
    }
}
