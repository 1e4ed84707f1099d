import Fieldbus

/// The Sungrow map is the shared `Fieldbus.RegisterMap` read from RegisterMaps/sungrow.csv: the edge poller reads
/// with the same data file the simulated inverter serves.
public typealias SungrowRegisterMap = RegisterMap
public typealias SungrowRegister = RegisterDefinition

extension RegisterMap {
    /// The Sungrow map compiled in (`RegisterMap.sungrow`).
    public static var standard: RegisterMap { .sungrow }
}
