import Fieldbus
import Logging
import Synchronization

/// The Sungrow inverter model served over Modbus TCP: its registers are published to the server's datastore on
/// every `advance(to:)` and after every write; writes to the start/stop and power-limitation registers reach the
/// model. Optional WiNet-S limits and Modbus faults can be set and cleared at run time; the server logs each
/// request they applied to (`server.interventions()`, and `onIntervention` as it happens).
public final class SimulatedInverter: Sendable {
    public let server: ModbusServer
    public let map: SungrowRegisterMap
    private let hooks: InverterHooks
    private let logger: Logger
    /// Modbus faults set with a duration, by name: when they end on the simulation's clock.
    private let faultExpiries = Mutex<[String: SimInstant]>([:])

    public init(
        configuration: SungrowInverterConfiguration,
        start: SimInstant,
        map: SungrowRegisterMap = .standard,
        server serverConfiguration: ModbusServerConfiguration = .loopback,
        wiNetS: WiNetSLimits? = nil,
        logger: Logger,
        onIntervention: (@Sendable (ModbusServer.Intervention) -> Void)? = nil
    ) throws(ModbusError) {
        let datastore = RegisterDatastore(mapped: [
            .input: map.wireBlocks(table: .input), .holding: map.wireBlocks(table: .holding),
        ])
        let hooks = InverterHooks(
            model: SungrowInverter(configuration: configuration, start: start),
            datastore: datastore,
            map: map,
            logger: logger,
            observer: onIntervention
        )
        self.server = try ModbusServer(
            configuration: serverConfiguration,
            datastore: datastore,
            hooks: hooks,
            logger: logger
        )
        self.hooks = hooks
        self.map = map
        self.logger = logger
        hooks.publish()
        if let wiNetS { try self.setWiNetS(wiNetS) }
    }

    public var port: Int { self.server.port }

    /// The model as it is now (a copy).
    public var state: SungrowInverter { self.hooks.model.withLock { $0 } }

    /// Steps the model to `instant`, publishes its registers and clears the Modbus faults whose duration ended.
    public func advance(to instant: SimInstant) {
        self.update { $0.advance(to: instant) }
        let ended = self.faultExpiries.withLock { expiries in
            let names = expiries.filter { $0.value <= instant }.map(\.key)
            for name in names { expiries[name] = nil }
            return names
        }
        for name in ended.sorted() { self.server.clearFault(name) }
    }

    public func setEmergencyStop(_ pressed: Bool) {
        self.update { $0.setEmergencyStop(pressed) }
        self.logger.info("inverter emergency stop \(pressed ? "pressed" : "released")")
    }

    public func latchFault(_ code: String) {
        self.update { $0.latchFault(code) }
        self.logger.info("inverter fault latched", metadata: ["fault": "\(code)"])
    }

    public func clearFault() {
        self.update { $0.clearFault() }
        self.logger.info("inverter fault cleared")
    }

    /// WiNet-S mode on with `limits`, or off with nil.
    public func setWiNetS(_ limits: WiNetSLimits?) throws(ModbusError) {
        self.server.setPacing(try limits?.pacingRules())
    }

    /// A Modbus fault on the registers named `registers` (all registers when empty), held until cleared, or for the
    /// first `remaining` matching requests, or for `duration` of simulation time from the model's current instant
    /// (it ends at the first `advance(to:)` reaching it, so it scales with a faster-than-real-time clock); see
    /// `ModbusFault`.
    public func setModbusFault(
        name: String,
        effect: ModbusFault.Effect,
        registers: [String] = [],
        remaining: Int? = nil,
        duration: Duration? = nil
    ) throws(ModbusError) {
        if let duration, duration <= .zero {
            throw ModbusError(code: .invalidArgument(field: "duration"), message: "duration: must be positive")
        }
        var addresses = 0...0xFFFF
        if !registers.isEmpty {
            var ranges: [ClosedRange<Int>] = []
            for register in registers {
                guard let range = self.map.wireRange(of: register) else {
                    throw ModbusError(
                        code: .invalidArgument(field: "registers"),
                        message: "registers: no register '\(register)'"
                    )
                }
                ranges.append(range)
            }
            addresses = ranges.map(\.lowerBound).min()!...ranges.map(\.upperBound).max()!
        }
        self.server.setFault(
            try ModbusFault(
                name: name,
                effect: effect,
                addresses: addresses,
                remaining: remaining
            )
        )
        let ends = duration.map { self.state.now + $0 }
        self.faultExpiries.withLock { $0[name] = ends }
    }

    @discardableResult
    public func clearModbusFault(name: String) -> Bool {
        self.faultExpiries.withLock { $0[name] = nil }
        return self.server.clearFault(name)
    }

    public func stop() async {
        await self.server.stop()
    }

    private func update(_ change: (inout SungrowInverter) -> Void) {
        self.hooks.changeAndPublish(change)
    }
}
