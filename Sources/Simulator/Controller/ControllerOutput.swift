/// One physical output of an edge irrigation controller: a valve (of a load class) or a pump.
public struct ControllerOutput: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case valve(ValveLoad)
        case pump
    }

    public let device: DeviceID
    public let kind: Kind
    public internal(set) var isOn = false
    /// When the output's current run began (max runtime counts from here); an off and on again at one instant
    /// continues the run.
    public internal(set) var onSince: SimInstant?
    /// When it last switched off, and since when it had been on then.
    var lastOff: (at: SimInstant, since: SimInstant)? {
        get { self.offAt.flatMap { at in self.offSince.map { (at, $0) } } }
        set {
            self.offAt = newValue?.at
            self.offSince = newValue?.since
        }
    }
    private var offAt: SimInstant?
    private var offSince: SimInstant?
    /// When a timed open ends.
    public internal(set) var closeAt: SimInstant?

    public init(device: DeviceID, kind: Kind) {
        self.device = device
        self.kind = kind
    }

    /// The `output` name of its `outputChanged` ground truth.
    public var outputName: String {
        if case .pump = self.kind { return "pump" }
        return "valve"
    }

    var load: ValveLoad? {
        if case .valve(let load) = self.kind { return load }
        return nil
    }
}
