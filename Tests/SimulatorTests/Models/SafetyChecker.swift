import Simulator

/// An independent judge of "no unsafe actuation": it replays the `outputChanged` ground truth, one switch at a time in
/// emission order, against the inputs the test injected and the re-arms it sent, and never looks at the controller's
/// own flags or trusts its acks alone.
///
/// Unsafe: an output switched on (even if off again at the same instant) or left on while its controller's E-STOP or
/// door is open, both supplies are lost, a tank is low, or a fault is latched (E-STOP/door opened, total power loss, a
/// valve on for the maximum runtime) with no valid re-arm since; an output switched on that was already on; any
/// output switched at a single-supply change (PoE+ or 24 VAC lost or back while the other is present); more than
/// `maxHighLoad` HL or `maxStandard` STD valves on; a valve continuously on longer than the maximum runtime (an off
/// and on again at the same instant is continuous). A re-arm clears the latch only when executed and judged valid here:
/// it names an authorizer, and E-STOP and door are closed.
struct SafetyChecker {
    struct Input {
        var at: SimInstant
        var controller: DeviceID
        var fault: DeviceFault
        /// The device the fault was applied to (a tank sensor for `tankLow`/`restore`); nil: the controller.
        var device: DeviceID? = nil
        /// How many emissions came before it (the order within an instant); nil: before every emission at `at`.
        var position: Int? = nil
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
            if device.kind == .valve { loadOf[device.id] = device.loadClass ?? .highLoad }
        }
        self.controllerOf = controllerOf
        self.loadOf = loadOf
        self.maxRuntime = maxRuntime
    }

    struct Gates {
        var estop = false, door = false, poe = true, ac = true, latched = false
        var lowTanks: Set<DeviceID> = []
        /// The instant of the last single-supply change: no output may switch after it within that instant.
        var supplyChangedAt: SimInstant?

        var forbidden: String? {
            if self.estop || self.door { return "E-STOP/door open" }
            if !self.poe && !self.ac { return "without power" }
            if !self.lowTanks.isEmpty { return "tank low" }
            if self.latched { return "a latched fault before re-arm" }
            return nil
        }
    }

    private struct Replay {
        var found: [String] = []
        var gates: [DeviceID: Gates] = [:]
        var onSince: [DeviceID: SimInstant] = [:]
        var lastOff: [DeviceID: (at: SimInstant, since: SimInstant)] = [:]
    }

    /// Every violation, described; empty when the run was safe. `end`: when the run stopped (open valves are judged
    /// up to then). `rearms`: the re-arm commands sent, by id, with the authorizer they named ("" for none).
    func violations(inputs: [Input], emissions: [Emission], rearms: [String: String], end: SimInstant) -> [String] {
        let ordered = inputs.enumerated().map { offset, input in
            let position = input.position ?? (emissions.firstIndex { $0.at >= input.at } ?? emissions.count)
            return (position: position, offset: offset, input: input)
        }.sorted { ($0.position, $0.offset) < ($1.position, $1.offset) }
        var replay = Replay()
        var next = 0
        var instant: SimInstant?
        // Outputs left on are judged at the end of every instant, an input's own instant included.
        func enter(_ at: SimInstant) {
            if let instant, instant != at { replay.found += self.check(at: instant, replay) }
            instant = at
        }
        for (index, emission) in emissions.enumerated() {
            while next < ordered.count, ordered[next].position <= index {
                enter(ordered[next].input.at)
                self.apply(ordered[next].input, to: &replay)
                next += 1
            }
            enter(emission.at)
            self.replay(emission, rearms: rearms, into: &replay)
        }
        while next < ordered.count {
            enter(ordered[next].input.at)
            self.apply(ordered[next].input, to: &replay)
            next += 1
        }
        if let instant { replay.found += self.check(at: instant, replay) }
        for (device, since) in replay.onSince where self.loadOf[device] != nil && end - since > self.maxRuntime {
            replay.found.append("\(device) still on past max runtime at end")
        }
        return replay.found
    }

    private func apply(_ input: Input, to replay: inout Replay) {
        var g = replay.gates[input.controller] ?? Gates()
        let poweredBefore = g.poe || g.ac
        switch input.fault {
        case .estopOpen: g.estop = true; g.latched = true
        case .estopClosed: g.estop = false
        case .doorOpen: g.door = true; g.latched = true
        case .doorClosed: g.door = false
        case .poeLost: g.poe = false
        case .poeRestored: g.poe = true
        case .acLost: g.ac = false
        case .acRestored: g.ac = true
        case .tankLow: g.lowTanks.insert(input.device ?? input.controller)
        case .restore: g.lowTanks.remove(input.device ?? input.controller)
        default: break
        }
        let poweredAfter = g.poe || g.ac
        if [.poeLost, .poeRestored, .acLost, .acRestored].contains(input.fault), poweredBefore, poweredAfter {
            g.supplyChangedAt = input.at
        }
        if !poweredAfter { g.latched = true }
        replay.gates[input.controller] = g
    }

    private func replay(_ emission: Emission, rearms: [String: String], into replay: inout Replay) {
        let now = emission.at
        switch emission.kind {
        case .outputChanged(_, let isOn):
            guard let controller = self.controllerOf[emission.device] else { return }
            let g = replay.gates[controller] ?? Gates()
            if g.supplyChangedAt == now {
                replay.found.append("\(emission.device) switched at a single-supply change at \(now)")
            }
            if isOn {
                if replay.onSince[emission.device] != nil {
                    replay.found.append("\(emission.device) switched on while already on at \(now)")
                    return  // a redundant on must not restart the runtime count
                }
                if let reason = g.forbidden { replay.found.append("\(emission.device) on with \(reason) at \(now)") }
                let off = replay.lastOff.removeValue(forKey: emission.device)
                replay.onSince[emission.device] = off?.at == now ? off!.since : now  // same instant: continuous
                replay.found += self.capViolations(of: controller, at: now, replay.onSince)
            } else if let since = replay.onSince.removeValue(forKey: emission.device) {
                replay.lastOff[emission.device] = (now, since)
                guard self.loadOf[emission.device] != nil else { return }
                let ran = now - since
                if ran > self.maxRuntime { replay.found.append("\(emission.device) ran \(ran) > max at \(now)") }
                if ran == self.maxRuntime { replay.gates[controller, default: Gates()].latched = true }
            }
        case .ack(let id, .executed, _):
            guard let authorizer = rearms[id] else { return }
            let controller = self.controllerOf[emission.device] ?? emission.device
            let g = replay.gates[controller] ?? Gates()
            guard !authorizer.isEmpty, !g.estop, !g.door, g.poe || g.ac else {
                replay.found.append("re-arm \(id) executed though invalid at \(now)")
                return
            }
            replay.gates[controller, default: Gates()].latched = false
        default:
            return
        }
    }

    /// The outputs left on at the end of an instant, against the gates and the cap.
    private func check(at now: SimInstant, _ replay: Replay) -> [String] {
        var found: [String] = []
        var controllers: Set<DeviceID> = []
        for device in replay.onSince.keys.sorted() {
            guard let controller = self.controllerOf[device] else { continue }
            controllers.insert(controller)
            if let reason = (replay.gates[controller] ?? Gates()).forbidden {
                found.append("\(device) on with \(reason) at \(now)")
            }
        }
        for controller in controllers.sorted() { found += self.capViolations(of: controller, at: now, replay.onSince) }
        return found
    }

    private func capViolations(
        of controller: DeviceID,
        at now: SimInstant,
        _ onSince: [DeviceID: SimInstant]
    )
        -> [String]
    {
        var high = 0
        var standard = 0
        for device in onSince.keys where self.controllerOf[device] == controller {
            switch self.loadOf[device] {
            case .highLoad: high += 1
            case .standard: standard += 1
            case nil: break
            }
        }
        var found: [String] = []
        if high > self.maxHighLoad { found.append("\(high) HL valves on at \(controller) at \(now)") }
        if standard > self.maxStandard { found.append("\(standard) STD valves on at \(controller) at \(now)") }
        return found
    }
}
