/// The `work_state` register's values (Sungrow string-inverter protocol, "Work state", input register 5038).
public enum SungrowWorkState: UInt16, Hashable, Sendable, CaseIterable {
    case run = 0x0000
    case stop = 0x8000
    case standby = 0x1400
    case emergencyStop = 0x1500
    case fault = 0x5500
    /// Running with output capped by the power limitation.
    case deratingRun = 0x8100

    public var producesPower: Bool { self == .run || self == .deratingRun }
}

/// The start/stop and power-limitation holding registers' command values.
public enum SungrowCommandValue {
    public static let start: UInt16 = 0xCF
    public static let stop: UInt16 = 0xCE
    public static let limitationEnabled: UInt16 = 0xAA
    public static let limitationDisabled: UInt16 = 0x55
}
