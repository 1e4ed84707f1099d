/// One simulated sensor: its physical model, its own random streams, its injected faults.
struct SiteSimulationSensor: Sendable {
    enum Model: Sendable {
        case climate(ClimateModel)
        /// `zone`: index into the site's zones, or nil when the sensor's zone is not watered by any known zone.
        case substrate(SubstrateModel, zone: Int?)
        /// `controller`: index of the controller whose pumps drain it.
        case tank(TankModel, controller: Int?)
    }

    let device: Int
    let interval: Duration
    var model: Model
    /// Physics and measurement noise.
    var rng: SimRandom
    /// Fault noise (separate, so injecting noise does not shift the physics' sequence).
    var faultRng: SimRandom
    var faults = SensorFaults()
    /// The last reported value per stream (NaN: none yet), where a stuck reading freezes.
    var last = SIMD4<Double>(repeating: .nan)
    /// The tank's low-level signal is injected.
    var injectedLow = false
}
