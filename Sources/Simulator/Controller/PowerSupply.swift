/// The controller's dual-source supply: PoE+ powers the logic, 24 VAC the loads, and each backs the other up.
///
/// | PoE+ | 24 VAC | mode          | logic on | loads on | outputs                             |
/// |------|--------|---------------|----------|----------|-------------------------------------|
/// | yes  | yes    | normal        | PoE+     | 24 VAC   | as commanded                        |
/// | no   | yes    | poe-lost      | 24 VAC   | 24 VAC   | unchanged (no toggles)              |
/// | yes  | no     | ac-lost       | PoE+     | PoE+     | unchanged (no toggles)              |
/// | no   | no     | unpowered     | -        | -        | all drop; POWER_LOST latched at boot |
public struct PowerSupply: Hashable, Sendable {
    public enum Mode: String, Hashable, Sendable {
        case normal
        case poeLost = "poe-lost"
        case acLost = "ac-lost"
        case unpowered
    }

    public internal(set) var poe = true
    public internal(set) var ac = true

    public init() {}

    public var mode: Mode {
        switch (self.poe, self.ac) {
        case (true, true): .normal
        case (false, true): .poeLost
        case (true, false): .acLost
        case (false, false): .unpowered
        }
    }

    public var isPowered: Bool { self.poe || self.ac }
    public var logicSource: String { self.poe ? "poe" : self.ac ? "ac" : "none" }
    public var loadSource: String { self.ac ? "ac" : self.poe ? "poe" : "none" }
}
