extension FaultRequest {
    /// The longest duration a timed fault may have.
    public static let maximumDuration: Duration = .seconds(30 * 24 * 3600)

    /// What is wrong with the request on its own (before any target is asked), field by field as the API names
    /// them; empty when nothing is.
    public func violations() -> [FaultError.Violation] {
        var problems: [FaultError.Violation] = []
        func add(_ field: String, _ description: String) {
            problems.append(FaultError.Violation(field: field, description: description))
        }
        if !self.targetFits {
            add(
                "fault.target",
                "'\(self.target)' is not a target of a \(self.effect.name) fault (\(self.effect.targetKinds))"
            )
        }
        if let duration = self.duration {
            if self.effect.isMomentary {
                add("fault.duration", "a \(self.effect.name) fault is momentary and takes no duration")
            } else if duration <= .zero || duration > Self.maximumDuration {
                add("fault.duration", "must be positive and at most 30 days, got \(duration)")
            }
        }
        switch self.effect {
        case .device(let fault): fault.violations(into: &problems)
        case .network(let toxic): toxic.violations(into: &problems)
        case .modbus(let spec): spec.violations(into: &problems)
        case .restorePower, .broker: break
        }
        return problems
    }

    private var targetFits: Bool {
        switch (self.effect, self.target) {
        case (.device, .device), (.device, .deviceGroup), (.restorePower, .device), (.restorePower, .deviceGroup):
            true
        case (.network, .deviceGroup), (.broker, .broker), (.modbus, .inverter):
            true
        default:
            false
        }
    }
}

extension InjectedEffect {
    var targetKinds: String {
        switch self {
        case .device, .restorePower: "devices/{device} or deviceGroups/{group}"
        case .network: "deviceGroups/{group}"
        case .broker: "broker"
        case .modbus: "inverter"
        }
    }

    /// The API's field for a `DeviceFaultTarget` problem (`stream: ...`, `sigma: ...`, `device: ...`).
    func violation(forProblem problem: String) -> FaultError.Violation {
        let parts = problem.split(separator: ":", maxSplits: 1)
        var isSensor = false
        if case .device(let fault) = self {
            switch fault {
            case .stuck, .drift, .noise, .dropout: isSensor = true
            default: break
            }
        }
        let field: String
        switch parts.first.map(String.init) ?? "" {
        case "device": field = "fault.target"
        case "fault": field = isSensor ? "fault.sensor.kind" : "fault.device.kind"
        case "stream": field = "fault.sensor.stream"
        case "sigma": field = "fault.sensor.sigma"
        case "per_hour": field = "fault.sensor.per_hour"
        default: field = "fault"
        }
        return FaultError.Violation(
            field: field,
            description: parts.count == 2 ? String(parts[1].drop(while: { $0 == " " })) : problem
        )
    }
}

extension DeviceFault {
    fileprivate func violations(into problems: inout [FaultError.Violation]) {
        switch self {
        case .drift(_, let perHour) where !perHour.isFinite || perHour == 0:
            problems.append(.init(field: "fault.sensor.per_hour", description: "must be finite and not 0"))
        case .noise(_, let sigma) where !sigma.isFinite || sigma <= 0:
            problems.append(.init(field: "fault.sensor.sigma", description: "must be finite and > 0"))
        default:
            break
        }
    }
}

extension NetworkToxic {
    fileprivate func violations(into problems: inout [FaultError.Violation]) {
        func add(_ field: String, _ description: String) {
            problems.append(.init(field: "fault.network.\(field)", description: description))
        }
        if !(self.toxicity > 0 && self.toxicity <= 1) { add("toxicity", "must be in (0, 1]") }
        if self.kind.actsOnWholeConnections && self.direction != .both {
            add("direction", "a \(self.kind.typeName) toxic acts on whole connections: it takes both")
        }
        switch self.kind {
        case .latency(let latency, let jitter):
            if latency < .zero { add("latency", "must not be negative") }
            if jitter < .zero { add("jitter", "must not be negative") }
            if latency == .zero && jitter == .zero { add("latency", "latency or jitter must be set") }
        case .bandwidth(let rate) where rate <= 0:
            add("rate_kilobytes_per_second", "must be positive")
        case .resetPeer(let after) where after < .zero:
            add("timeout", "must not be negative")
        case .slicer(let average, let variation, let delay):
            if average <= 0 { add("average_size", "must be positive") }
            if variation < 0 || variation >= max(average, 1) { add("size_variation", "must be in 0..<average_size") }
            if delay < .zero { add("delay", "must not be negative") }
        case .limitData(let bytes) where bytes <= 0:
            add("bytes", "must be positive")
        case .timeout(.some(let after)) where after < .zero:
            add("timeout", "must not be negative")
        case .dropFirstConnections(let count) where count <= 0, .dropFirstChunks(let count) where count <= 0:
            add("count", "must be positive")
        default:
            break
        }
    }
}

extension ModbusFaultSpec {
    fileprivate func violations(into problems: inout [FaultError.Violation]) {
        if let count = self.count, count < 1 {
            problems.append(.init(field: "fault.modbus.count", description: "must be at least 1"))
        }
        switch self.registers {
        case .all:
            break
        case .named(let names):
            if let bad = names.first(where: { $0.isEmpty || $0.count > 64 }) {
                problems.append(
                    .init(field: "fault.modbus.registers", description: "'\(bad.prefix(64))' is not a name")
                )
            }
        case .wire(let range):
            if range.lowerBound < 0 || range.upperBound > 0xFFFF {
                problems.append(.init(field: "fault.modbus.range", description: "must lie within 0...65535"))
            }
        }
    }
}
