/// A fault injected on one device of the site simulation (`SiteSimulation.apply(_:to:at:)`).
///
/// Sensor faults take a stream key (`SensorStreams`); nil means every stream of the device. They apply to climate,
/// substrate and tank-level sensors. `estop*`, `door*`, `poe*` and `ac*` are the edge irrigation controller's inputs
/// and apply to controllers. `tankLow` applies to a tank-level sensor (or to a controller: its own low-level input).
/// `offline` and `restore` apply to every kind.
public enum DeviceFault: Hashable, Sendable {
    /// The reading freezes at its last value.
    case stuck(stream: String?)
    /// The reading walks away from the truth by `perHour` (stream units) per hour since the fault was applied.
    case drift(stream: String?, perHour: Double)
    /// Gaussian noise with standard deviation `sigma` (stream units) on top of the reading.
    case noise(stream: String?, sigma: Double)
    /// The stream publishes nothing.
    case dropout(stream: String?)
    /// The device publishes nothing and hears no commands. A controller keeps acting physically (its `outputChanged`
    /// ground truth continues); only what it would publish is lost.
    case offline
    /// The tank's low-level signal is asserted (the sensor reads 5 %, the controller sees tank low).
    case tankLow
    case estopOpen
    case estopClosed
    case doorOpen
    case doorClosed
    case poeLost
    case poeRestored
    case acLost
    case acRestored
    /// Clears every sensor fault, `offline` and `tankLow` on the device. Controller inputs are restored by their own
    /// closing fault (`estopClosed`, `doorClosed`, `poeRestored`, `acRestored`).
    case restore

    /// The device kinds the fault applies to.
    public var appliesTo: Set<SimulatedDeviceKind> {
        let sensors: Set<SimulatedDeviceKind> = [.climateSensor, .substrateSensor, .tankLevel]
        switch self {
        case .stuck, .drift, .noise, .dropout: return sensors
        case .tankLow: return [.tankLevel, .irrigationController]
        case .estopOpen, .estopClosed, .doorOpen, .doorClosed, .poeLost, .poeRestored, .acLost, .acRestored:
            return [.irrigationController]
        case .offline, .restore: return Set(SimulatedDeviceKind.allCases)
        }
    }

    /// Why the fault cannot apply to a device of `kind`, naming the offending field; nil when it can.
    public func problem(on kind: SimulatedDeviceKind) -> String? {
        guard self.appliesTo.contains(kind) else { return "fault: does not apply to a \(kind.rawValue)" }
        switch self {
        case .stuck(let stream), .dropout(let stream):
            return Self.streamProblem(stream, kind)
        case .drift(let stream, let perHour):
            guard perHour.isFinite else { return "per_hour: must be finite" }
            return Self.streamProblem(stream, kind)
        case .noise(let stream, let sigma):
            guard sigma.isFinite, sigma >= 0 else { return "sigma: must be finite and >= 0" }
            return Self.streamProblem(stream, kind)
        default:
            return nil
        }
    }

    private static func streamProblem(_ stream: String?, _ kind: SimulatedDeviceKind) -> String? {
        guard let stream, !SensorStreams.streams(of: kind).contains(stream) else { return nil }
        return "stream: '\(stream.prefix(60))' is not a stream of a \(kind.rawValue)"
    }
}
