import Fieldbus

/// A Modbus fault for the simulated inverter's server: the effect, the registers it applies to, and optionally
/// only the first `count` matching requests.
public struct ModbusFaultSpec: Hashable, Sendable {
    public enum Registers: Hashable, Sendable {
        /// Every register.
        case all
        /// Register map names (`battery_level`, ...).
        case named([String])
        /// Wire (zero-based) addresses, inclusive.
        case wire(ClosedRange<Int>)
    }

    public var effect: ModbusFault.Effect
    public var registers: Registers
    /// Only the first `count` matching requests; nil: every one while the fault is active.
    public var count: Int?

    public init(effect: ModbusFault.Effect, registers: Registers = .all, count: Int? = nil) {
        self.effect = effect
        self.registers = registers
        self.count = count
    }

    var effectName: String {
        switch self.effect {
        case .exception(let code): "exception-\(code.rawValue)"
        case .noReply: "timeout"
        case .junkReply: "junk-reply"
        }
    }
}
