import Simulator

/// An independent judge of "no unsafe actuation": it replays the `outputChanged` ground truth against the inputs the
/// test injected and the re-arms the controller acknowledged, and never looks at the controller's own flags.
///
/// Unsafe: an output on while its controller's E-STOP or door is open or both supplies are lost; an output on while a
/// fault is latched (E-STOP/door opened, total power loss, a valve on for the maximum runtime) and no re-arm executed
/// since; more than `maxHighLoad` HL or `maxStandard` STD valves on; a valve on longer than the maximum runtime.
struct SafetyChecker {
    struct Input {
        var at: SimInstant
        var controller: DeviceID
        var fault: DeviceFault
    }

    let controllerOf: [DeviceID: DeviceID]
    let loadOf: [DeviceID: ValveLoad]
    let maxRuntime: Duration
    var maxHighLoad = 1
    var maxStandard = 6

    init(spec: SiteSpec, maxRuntime: Duration) {
        var controllerOf: [DeviceID: DeviceID] = [:]
        var loadOf: [DeviceID: ValveLoad] = [:]
        for device in spec.devices where device.kind == .valve || device.kind == .pump {
            controllerOf[device.id] = device.controller
            if device.kind == .valve { loadOf[device.id] = device.loadClass ?? .standard }
        }
        self.controllerOf = controllerOf
        self.loadOf = loadOf
        self.maxRuntime = maxRuntime
    }

    private struct Gates {
        var estop = false, door = false, poe = true, ac = true, latched = false
    }

    /// Every violation, described; empty when the run was safe. `end`: when the run stopped (open valves are judged
    /// up to then). `rearms`: the ids of the re-arm commands sent.
    func violations(inputs: [Input], emissions: [Emission], rearms: Set<String>, end: SimInstant) -> [String] {
        var found: [String] = []
        var gates: [DeviceID: Gates] = [:]
        var onSince: [DeviceID: SimInstant] = [:]
        var inputIndex = 0
        var emissionIndex = 0
        let sortedInputs = inputs.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(
            \.element
        )
        while inputIndex < sortedInputs.count || emissionIndex < emissions.count {
            let nextInput =
                inputIndex < sortedInputs.count ? sortedInputs[inputIndex].at : SimInstant(nanosecondsSinceEpoch: .max)
            let nextEmission =
                emissionIndex < emissions.count ? emissions[emissionIndex].at : SimInstant(nanosecondsSinceEpoch: .max)
            let now = min(nextInput, nextEmission)
            while inputIndex < sortedInputs.count, sortedInputs[inputIndex].at == now {
                let input = sortedInputs[inputIndex]
                var g = gates[input.controller] ?? Gates()
                switch input.fault {
                case .estopOpen: g.estop = true; g.latched = true
                case .estopClosed: g.estop = false
                case .doorOpen: g.door = true; g.latched = true
                case .doorClosed: g.door = false
                case .poeLost: g.poe = false
                case .poeRestored: g.poe = true
                case .acLost: g.ac = false
                case .acRestored: g.ac = true
                default: break
                }
                if !g.poe && !g.ac { g.latched = true }
                gates[input.controller] = g
                inputIndex += 1
            }
            while emissionIndex < emissions.count, emissions[emissionIndex].at == now {
                let emission = emissions[emissionIndex]
                emissionIndex += 1
                switch emission.kind {
                case .outputChanged(_, let isOn):
                    if isOn {
                        onSince[emission.device] = now
                    } else if let since = onSince.removeValue(forKey: emission.device),
                        self.loadOf[emission.device] != nil
                    {
                        let ran = now - since
                        if ran > self.maxRuntime { found.append("\(emission.device) ran \(ran) > max at \(now)") }
                        if ran == self.maxRuntime, let controller = self.controllerOf[emission.device] {
                            gates[controller, default: Gates()].latched = true
                        }
                    }
                case .ack(let id, .executed, _) where rearms.contains(id):
                    let controller = self.controllerOf[emission.device] ?? emission.device
                    gates[controller, default: Gates()].latched = false
                default:
                    break
                }
            }
            found += self.check(at: now, gates: gates, onSince: onSince)
        }
        for (device, since) in onSince where self.loadOf[device] != nil && end - since > self.maxRuntime {
            found.append("\(device) still on past max runtime at end")
        }
        return found
    }

    private func check(at now: SimInstant, gates: [DeviceID: Gates], onSince: [DeviceID: SimInstant]) -> [String] {
        var found: [String] = []
        var high: [DeviceID: Int] = [:]
        var standard: [DeviceID: Int] = [:]
        for device in onSince.keys.sorted() {
            guard let controller = self.controllerOf[device] else { continue }
            let g = gates[controller] ?? Gates()
            if g.estop || g.door { found.append("\(device) on with E-STOP/door open at \(now)") }
            if !g.poe && !g.ac { found.append("\(device) on without power at \(now)") }
            if g.latched { found.append("\(device) on with a latched fault before re-arm at \(now)") }
            switch self.loadOf[device] {
            case .highLoad: high[controller, default: 0] += 1
            case .standard: standard[controller, default: 0] += 1
            case nil: break
            }
        }
        for (controller, count) in high where count > self.maxHighLoad {
            found.append("\(count) HL valves on at \(controller) at \(now)")
        }
        for (controller, count) in standard where count > self.maxStandard {
            found.append("\(count) STD valves on at \(controller) at \(now)")
        }
        return found
    }
}
