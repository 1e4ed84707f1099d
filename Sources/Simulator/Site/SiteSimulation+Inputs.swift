extension SiteSimulation {
    public mutating func receive(_ command: SimCommand, at now: SimInstant) -> [Emission] {
        var out: [Emission] = []
        self.advance(to: now, into: &out)
        guard let device = self.indexByID[command.device], !self.offline[device] else { return out }
        switch self.roles[device] {
        case .controller(let controller):
            self.withController(controller, into: &out) { $0.receive(command, at: now, into: &$1) }
        case .output(.some(let controller), _, _):
            guard let owner = self.indexByID[self.controllers[controller].id], !self.offline[owner] else { return out }
            self.withController(controller, into: &out) {
                $0.receive(command, addressedValve: command.device, at: now, into: &$1)
            }
        case .output(.none, _, _):
            Self.reject(command, RejectReason.noController, at: now, into: &out)
        case .sensor, .inert:
            Self.reject(command, RejectReason.unknownCommand, at: now, into: &out)
        }
        return out
    }

    private static func reject(_ command: SimCommand, _ reason: String, at now: SimInstant, into out: inout [Emission])
    {
        out.append(.ack(command, .received, at: now))
        out.append(.ack(command, .rejected, reason: reason, at: now))
    }

    /// Why `fault` cannot be applied to `device`, naming the field; nil when it can.
    public func problem(applying fault: DeviceFault, to device: DeviceID) -> String? {
        guard let index = self.indexByID[device] else { return "device: '\(device.prefix(60))' is not simulated" }
        return fault.problem(on: self.specs[index].kind)
    }

    /// Injects `fault` on `device` at `now` (after everything due before it). A fault that does not apply
    /// (`problem(applying:to:)`) changes nothing.
    public mutating func apply(_ fault: DeviceFault, to device: DeviceID, at now: SimInstant) -> [Emission] {
        var out: [Emission] = []
        self.advance(to: now, into: &out)
        guard self.problem(applying: fault, to: device) == nil, let index = self.indexByID[device] else { return out }
        switch fault {
        case .offline:
            self.offline[index] = true
        case .restore:
            let wasOffline = self.offline[index]
            self.offline[index] = false
            if wasOffline, case .controller(let controller) = self.roles[index] {
                // Back online: publish the current state again (what was published while offline was lost).
                self.withController(controller, into: &out) { controller, out in
                    controller.lastState = nil
                    controller.publishState(at: now, into: &out)
                }
            }
            if case .sensor(let sensor) = self.roles[index] { self.sensors[sensor].faults.apply(.restore, at: now) }
            self.setTankLow(false, on: index, at: now, into: &out)
        case .tankLow:
            self.setTankLow(true, on: index, at: now, into: &out)
        case .stuck, .drift, .noise, .dropout:
            if case .sensor(let sensor) = self.roles[index] { self.sensors[sensor].faults.apply(fault, at: now) }
        case .estopOpen, .estopClosed, .doorOpen, .doorClosed, .poeLost, .poeRestored, .acLost, .acRestored:
            guard case .controller(let controller) = self.roles[index] else { return out }
            self.withController(controller, into: &out) { controller, out in
                switch fault {
                case .estopOpen: controller.setEstop(open: true, at: now, into: &out)
                case .estopClosed: controller.setEstop(open: false, at: now, into: &out)
                case .doorOpen: controller.setDoor(open: true, at: now, into: &out)
                case .doorClosed: controller.setDoor(open: false, at: now, into: &out)
                case .poeLost: controller.setPoE(false, at: now, into: &out)
                case .poeRestored: controller.setPoE(true, at: now, into: &out)
                case .acLost: controller.setAC(false, at: now, into: &out)
                default: controller.setAC(true, at: now, into: &out)
                }
            }
        }
        return out
    }

    /// The low-level signal of a tank sensor (its reading and its controller's input for that tank), or the
    /// controller's own low-level input (its tank sensors' readings unchanged). Each is cleared only by a `restore`
    /// of the device it was injected on.
    private mutating func setTankLow(_ low: Bool, on index: Int, at now: SimInstant, into out: inout [Emission]) {
        switch self.roles[index] {
        case .sensor(let sensor):
            guard case .tank(_, let controller) = self.sensors[sensor].model else { return }
            self.sensors[sensor].injectedLow = low
            guard let controller else { return }
            let tank = self.specs[index].id
            self.withController(controller, into: &out) { $0.tankLowSignal(low, tank: tank, at: now, into: &$1) }
        case .controller(let controller):
            let own = self.controllers[controller].id
            self.withController(controller, into: &out) { $0.tankLowSignal(low, tank: own, at: now, into: &$1) }
        default:
            return
        }
    }
}
