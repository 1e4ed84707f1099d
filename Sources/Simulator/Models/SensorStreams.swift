/// The stream keys and units the simulated sensors publish: the `StreamType` raw values and the canonical units of
/// Sources/Domain/Telemetry (`MeasurementUnit` raw values), so the ingest path accepts them unconverted.
public enum SensorStreams {
    public static let temperature = "temperature"
    public static let humidity = "humidity"
    public static let co2 = "co2"
    public static let vpd = "vpd"
    public static let ec = "ec"
    public static let ph = "ph"
    public static let moisture = "moisture"
    /// Tank fill level in %. The domain has no level `StreamType` yet; `pressure` (hydrostatic head) is its typed twin.
    public static let level = "level"
    public static let pressure = "pressure"

    public static let celsius = "degC"
    public static let percent = "%"
    public static let ppm = "ppm"
    public static let kilopascal = "kPa"
    public static let millisiemensPerCentimetre = "mS/cm"
    public static let pH = "pH"

    /// Every stream a sensor kind publishes, in publishing order.
    public static func streams(of kind: SimulatedDeviceKind) -> [String] {
        switch kind {
        case .climateSensor: [temperature, humidity, co2, vpd]
        case .substrateSensor: [ec, ph, moisture]
        case .tankLevel: [level, pressure]
        case .valve, .pump, .irrigationController, .inverter: []
        }
    }
}
