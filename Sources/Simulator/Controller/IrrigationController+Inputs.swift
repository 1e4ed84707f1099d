extension IrrigationController {
    public mutating func setEstop(open: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.estopOpen != open else { return }
        self.estopOpen = open
        guard self.power.isPowered else { return }  // read at boot
        if open {
            self.latch(ControllerEvent.estopOpen, at: now, message: "E-STOP loop open: all outputs off", into: &out)
        } else {
            self.event(ControllerEvent.estopClosed, .info, "E-STOP loop closed; re-arm required", at: now, into: &out)
        }
        self.settle(at: now, into: &out)
    }

    public mutating func setDoor(open: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.doorOpen != open else { return }
        self.doorOpen = open
        guard self.power.isPowered else { return }
        if open {
            self.latch(ControllerEvent.doorOpen, at: now, message: "door open: all outputs off", into: &out)
        } else {
            self.event(ControllerEvent.doorClosed, .info, "door closed; re-arm required", at: now, into: &out)
        }
        self.settle(at: now, into: &out)
    }

    /// A tank's level as the controller's level input reads it.
    public mutating func tankLevel(_ level: Double, tank: DeviceID, at now: SimInstant, into out: inout [Emission]) {
        let wasLow = self.tankLow
        if level < self.config.tankLowLevel {
            self.lowTanks.insert(tank)
        } else if level >= self.config.tankRestoreLevel {
            self.lowTanks.remove(tank)
        }
        self.tankChanged(wasLow: wasLow, at: now, into: &out)
    }

    /// The tank's low-level signal injected (or no longer).
    public mutating func tankLowSignal(_ low: Bool, tank: DeviceID, at now: SimInstant, into out: inout [Emission]) {
        let wasLow = self.tankLow
        if low { self.injectedLowTanks.insert(tank) } else { self.injectedLowTanks.remove(tank) }
        self.tankChanged(wasLow: wasLow, at: now, into: &out)
    }

    private mutating func tankChanged(wasLow: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.tankLow != wasLow, self.power.isPowered else { return }
        if self.tankLow {
            self.abortProgramForTank()
            self.allOff(at: now, into: &out)
            self.event(ControllerEvent.tankLow, .warning, "tank low: run aborted", at: now, into: &out)
        } else {
            self.event(ControllerEvent.tankRestored, .info, "tank level restored", at: now, into: &out)
            self.retryProgramAfterTank(at: now, into: &out)
        }
        self.settle(at: now, into: &out)
    }

    public mutating func setPoE(_ present: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.power.poe != present else { return }
        let before = self.power
        self.power.poe = present
        self.powerChanged(from: before, source: "PoE+", at: now, into: &out)
    }

    public mutating func setAC(_ present: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.power.ac != present else { return }
        let before = self.power
        self.power.ac = present
        self.powerChanged(from: before, source: "24 VAC", at: now, into: &out)
    }

    /// The power FSM (`PowerSupply`): a single source lost or back switches supply without touching an output; the
    /// last one lost drops every output; the first one back boots the controller with POWER_LOST latched.
    private mutating func powerChanged(
        from before: PowerSupply,
        source: String,
        at now: SimInstant,
        into out: inout [Emission]
    ) {
        let after = self.power
        if !after.isPowered {
            self.latchedFault = self.latchedFault ?? ControllerEvent.powerLost
            self.program = nil
            self.allOff(at: now, into: &out)  // ground truth only: a dead controller publishes nothing
            for index in self.outputs.indices { self.outputs[index].lastOff = nil }  // the runs are over
            self.lastState = nil
            self.lastStateAt = nil
            return
        }
        if !before.isPowered {
            self.lastState = nil
            self.event(
                ControllerEvent.powerRestored,
                .warning,
                "booted on \(source) after total power loss; outputs off until re-arm",
                at: now,
                into: &out
            )
            if self.estopOpen {
                self.event(ControllerEvent.estopOpen, .critical, "E-STOP open at boot", at: now, into: &out)
            }
            if self.doorOpen {
                self.event(ControllerEvent.doorOpen, .critical, "door open at boot", at: now, into: &out)
            }
            self.publishState(at: now, into: &out)
            return
        }
        let poeChanged = before.poe != after.poe
        let lost = poeChanged ? !after.poe : !after.ac
        let code =
            poeChanged
            ? (lost ? ControllerEvent.poeLost : ControllerEvent.poeRestored)
            : (lost ? ControllerEvent.acLost : ControllerEvent.acRestored)
        self.event(code, lost ? .warning : .info, "\(source) \(lost ? "lost" : "restored")", at: now, into: &out)
        self.event(
            ControllerEvent.powerSourceChanged,
            .info,
            "logic: \(before.logicSource) -> \(after.logicSource); loads: \(before.loadSource) -> \(after.loadSource)",
            at: now,
            into: &out
        )
        self.publishState(at: now, into: &out)
    }
}
