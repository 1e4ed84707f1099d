import API
import Fieldbus
import SwiftProtobuf

extension FaultRequest {
    /// The request a proto `Fault` asks for, or nil after adding why not to `violations` (fields as the API names
    /// them, under `fault.`).
    static func decode(
        _ fault: Harvestry_Simulator_V1_Fault?,
        into violations: inout [FaultError.Violation]
    ) -> FaultRequest? {
        func add(_ field: String, _ description: String) {
            violations.append(.init(field: "fault.\(field)", description: description))
        }
        guard let fault else {
            violations.append(.init(field: "fault", description: "is required"))
            return nil
        }
        let target = FaultTarget(parsing: fault.target)
        if fault.target.isEmpty {
            add("target", "is required (devices/{device}, deviceGroups/{group}, broker or inverter)")
        } else if target == nil {
            add(
                "target",
                "'\(fault.target.prefix(60))' is not devices/{device}, deviceGroups/{group}, broker or inverter"
            )
        }
        var duration: Duration?
        if fault.hasDuration {
            duration = FaultProtoTime.duration(fault.duration)
            if duration == nil { add("duration", "is not a valid duration") }
        }
        let effect: InjectedEffect?
        switch fault.effect {
        case .none:
            add("effect", "one of device, sensor, broker, network or modbus is required")
            effect = nil
        case .device(let device): effect = Self.effect(device, add)
        case .sensor(let sensor): effect = Self.effect(sensor, add)
        case .broker(let broker):
            switch broker.kind {
            case .kill: effect = .broker(.kill)
            case .restart: effect = .broker(.restart)
            default:
                add("broker.kind", "is required (KILL or RESTART)")
                effect = nil
            }
        case .network(let network): effect = Self.effect(network, add)
        case .modbus(let modbus): effect = Self.effect(modbus, add)
        }
        guard let target, let effect else { return nil }
        return FaultRequest(target: target, effect: effect, duration: duration)
    }

    private static func effect(
        _ device: Harvestry_Simulator_V1_DeviceFault,
        _ add: (String, String) -> Void
    ) -> InjectedEffect? {
        switch device.kind {
        case .estopOpen: return .device(.estopOpen)
        case .estopClose: return .device(.estopClosed)
        case .doorOpen: return .device(.doorOpen)
        case .doorClose: return .device(.doorClosed)
        case .poeLoss: return .device(.poeLost)
        case .acLoss: return .device(.acLost)
        case .restorePower: return .restorePower
        case .tankLow: return .device(.tankLow)
        case .offline: return .device(.offline)
        case .restore: return .device(.restore)
        case .unspecified, .UNRECOGNIZED:
            add("device.kind", "is required (a known DeviceFault.Kind)")
            return nil
        }
    }

    private static func effect(
        _ sensor: Harvestry_Simulator_V1_SensorFault,
        _ add: (String, String) -> Void
    ) -> InjectedEffect? {
        let stream = sensor.stream.isEmpty ? nil : sensor.stream
        if sensor.stream.count > 40 { add("sensor.stream", "is longer than 40 characters") }
        switch sensor.kind {
        case .stuck: return .device(.stuck(stream: stream))
        case .drift: return .device(.drift(stream: stream, perHour: sensor.perHour))
        case .noise: return .device(.noise(stream: stream, sigma: sensor.sigma))
        case .dropout: return .device(.dropout(stream: stream))
        case .unspecified, .UNRECOGNIZED:
            add("sensor.kind", "is required (STUCK, DRIFT, NOISE or DROPOUT)")
            return nil
        }
    }

    private static func effect(
        _ network: Harvestry_Simulator_V1_NetworkFault,
        _ add: (String, String) -> Void
    ) -> InjectedEffect? {
        func duration(_ field: String, _ value: Google_Protobuf_Duration, present: Bool) -> Duration {
            guard present else { return .zero }
            guard let duration = FaultProtoTime.duration(value) else {
                add("network.\(field)", "is not a valid duration")
                return .zero
            }
            return duration
        }
        func int(_ field: String, _ value: Int64) -> Int {
            guard value >= 0, value <= Int64(Int32.max) else {
                add("network.\(field)", "must be in 0...\(Int32.max)")
                return 0
            }
            return Int(value)
        }
        let direction: NetworkToxic.Direction
        switch network.direction {
        case .upstream: direction = .upstream
        case .downstream: direction = .downstream
        case .both, .unspecified: direction = .both
        case .UNRECOGNIZED:
            add("network.direction", "is not UPSTREAM, DOWNSTREAM or BOTH")
            direction = .both
        }
        let kind: NetworkToxic.Kind
        switch network.kind {
        case .down: kind = .down
        case .blackhole: kind = .blackhole
        case .latency:
            kind = .latency(
                duration("latency", network.latency, present: network.hasLatency),
                jitter: duration("jitter", network.jitter, present: network.hasJitter)
            )
        case .bandwidth:
            kind = .bandwidth(kilobytesPerSecond: int("rate_kilobytes_per_second", network.rateKilobytesPerSecond))
        case .resetPeer: kind = .resetPeer(after: duration("timeout", network.timeout, present: network.hasTimeout))
        case .slicer:
            kind = .slicer(
                averageSize: int("average_size", network.averageSize),
                sizeVariation: int("size_variation", network.sizeVariation),
                delay: duration("delay", network.delay, present: network.hasDelay)
            )
        case .limitData: kind = .limitData(bytes: int("bytes", network.bytes))
        case .timeout:
            let after = duration("timeout", network.timeout, present: network.hasTimeout)
            kind = .timeout(after: after == .zero ? nil : after)
        case .dropFirstConnections: kind = .dropFirstConnections(count: int("count", network.count))
        case .dropFirstChunks: kind = .dropFirstChunks(count: int("count", network.count))
        case .unspecified, .UNRECOGNIZED:
            add("network.kind", "is required (a known NetworkFault.Kind)")
            return nil
        }
        let toxicity = network.toxicity == 0 ? 1 : network.toxicity
        return .network(NetworkToxic(kind, direction: direction, toxicity: toxicity))
    }

    private static func effect(
        _ modbus: Harvestry_Simulator_V1_ModbusFault,
        _ add: (String, String) -> Void
    ) -> InjectedEffect? {
        let effect: ModbusFault.Effect
        switch modbus.kind {
        case .exception:
            guard let code = UInt8(exactly: modbus.exceptionCode).flatMap(ModbusExceptionCode.init(rawValue:)) else {
                add("modbus.exception_code", "\(modbus.exceptionCode) is not a Modbus exception code (1-6, 8, 10, 11)")
                return nil
            }
            effect = .exception(code)
        case .timeout: effect = .noReply
        case .junkReply: effect = .junkReply
        case .unspecified, .UNRECOGNIZED:
            add("modbus.kind", "is required (EXCEPTION, TIMEOUT or JUNK_REPLY)")
            return nil
        }
        if modbus.hasRange && !modbus.registers.isEmpty {
            add("modbus.range", "give registers or a range, not both")
        }
        let registers: ModbusFaultSpec.Registers
        if modbus.hasRange {
            guard modbus.range.first <= modbus.range.last else {
                add("modbus.range", "first must not be after last")
                return nil
            }
            registers = .wire(Int(modbus.range.first)...Int(modbus.range.last))
        } else {
            registers = modbus.registers.isEmpty ? .all : .named(modbus.registers)
        }
        guard modbus.count >= 0, modbus.count <= Int64(Int32.max) else {
            add("modbus.count", "must be in 0...\(Int32.max)")
            return nil
        }
        return .modbus(
            ModbusFaultSpec(effect: effect, registers: registers, count: modbus.count == 0 ? nil : Int(modbus.count))
        )
    }
}
