import Foundation

/// Where an irrigation group's interlock input comes from: a property of a device's stored state (the edge
/// controller's `estop`, `door`, `tank`), read with the state's reported time, or a telemetry stream's latest reading.
public enum InterlockSource: Sendable, Hashable {
    case deviceState(deviceID: UUID, property: String)
    case stream(UUID)

    /// A property name as the state carries it: 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit.
    public func validate(field: String) throws {
        guard case .deviceState(_, let property) = self else { return }
        let scalars = Array(property.unicodeScalars)
        func allowed(_ s: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "." || s == "_"
                || s == "-"
        }
        guard (1...64).contains(scalars.count), allowed(scalars[0]), scalars[0] != ".", scalars[0] != "_",
            scalars[0] != "-", scalars.allSatisfy(allowed)
        else {
            throw DomainError.invalid("\(field).property", "must be 1-64 letters, digits, '.', '_' or '-'")
        }
    }
}

/// A raw value read from a source: a state property's text or a stream's number.
public enum ObservedValue: Sendable, Hashable {
    case text(String)
    case number(Double)
}

/// What the store read for one group at `now`: each sourced input's latest value with its time, the lockouts not
/// yet cleared, and the valves open.
public struct InterlockObservations: Sendable, Hashable {
    public var values: [InterlockInput: Timed<ObservedValue>]
    public var lockouts: [Lockout]
    public var openValves: [OpenValve]

    public init(
        values: [InterlockInput: Timed<ObservedValue>] = [:],
        lockouts: [Lockout] = [],
        openValves: [OpenValve] = []
    ) {
        self.values = values
        self.lockouts = lockouts
        self.openValves = openValves
    }
}

extension InterlockSnapshot {
    /// The snapshot the interlocks read, decoded from raw observations. A value that cannot be read as its input
    /// (an unknown word, a non-number) counts as no reading, so a required input is stale and nothing opens.
    ///
    /// Loops: `open`/`closed` (a number: non-zero is open). CO2 exhaust lockout: `true`/`on`/`active`/`locked` or
    /// `false`/`off`/`inactive`/`clear`/`ok` (a number: non-zero is active). Tank level, EC, pH: numbers; the tank
    /// also reads the controller's low-level input, `low` as 0 % and `ok` as 100 %.
    public init(now: Date, observations: InterlockObservations) {
        func decoded<T>(_ input: InterlockInput, _ decode: (ObservedValue) -> T?) -> Timed<T>? {
            guard let observed = observations.values[input], let value = decode(observed.value) else { return nil }
            return Timed(value, at: observed.at)
        }
        self.init(
            now: now,
            eStop: decoded(.eStop, Self.loop),
            door: decoded(.door, Self.loop),
            co2ExhaustLockout: decoded(.co2Exhaust, Self.flag),
            tankLevel: decoded(.tankLevel) { Self.number($0, words: ["low": 0, "ok": 100]) },
            ec: decoded(.ec) { Self.number($0, words: [:]) },
            ph: decoded(.ph) { Self.number($0, words: [:]) },
            lockouts: observations.lockouts,
            openValves: observations.openValves
        )
    }

    static func loop(_ value: ObservedValue) -> LoopState? {
        switch value {
        case .number(let n): n.isNaN ? nil : (n == 0 ? .closed : .open)
        case .text(let text): LoopState(rawValue: text.lowercased())
        }
    }

    static func flag(_ value: ObservedValue) -> Bool? {
        switch value {
        case .number(let n): n.isNaN ? nil : n != 0
        case .text(let text):
            switch text.lowercased() {
            case "true", "on", "active", "locked": true
            case "false", "off", "inactive", "clear", "ok": false
            default: nil
            }
        }
    }

    static func number(_ value: ObservedValue, words: [String: Double]) -> Double? {
        switch value {
        // NaN is kept: it is outside every bound, so it blocks rather than passes.
        case .number(let n): n.isInfinite ? nil : n
        case .text(let text): words[text.lowercased()] ?? Double(text).flatMap { $0.isInfinite ? nil : $0 }
        }
    }
}
