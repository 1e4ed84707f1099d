extension RegisterMap {
    /// The Sungrow inverter map (RegisterMaps/sungrow.csv), compiled in.
    public static let sungrow: RegisterMap = {
        do {
            return try RegisterMap(csv: sungrowCSV)
        } catch {
            fatalError("the embedded Sungrow register map is invalid (\(error)); fix RegisterMaps/sungrow.csv")
        }
    }()

    /// The maps compiled in, by the name a config file uses (`register_map = sungrow`).
    public static let builtIn: [String: RegisterMap] = ["sungrow": .sungrow]
}
