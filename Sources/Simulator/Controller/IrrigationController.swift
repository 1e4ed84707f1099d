/// The edge irrigation controller as a pure state machine: commands, inputs (E-STOP, door, tank level, power) and the
/// passing of time go in, emissions (acks, events, states, and the `outputChanged` ground truth) come out. It has no
/// broker: a local program keeps running whatever the network does, because the runtime keeps stepping it.
///
/// Hard gates: E-STOP or door open switches every output off at that instant and latches a fault; so do a valve
/// reaching the maximum runtime and a total power loss. A latched fault keeps every output off until its cause is
/// cleared and an authorized `rearm` executes; re-arming never switches anything on. docs/simulator.md has the tables.
public struct IrrigationController: Hashable, Sendable {
    public let id: DeviceID
    public let config: ControllerConfig
    public internal(set) var outputs: [ControllerOutput]
    let outputIndex: [DeviceID: Int]

    public internal(set) var estopOpen = false
    public internal(set) var doorOpen = false
    public internal(set) var power = PowerSupply()
    /// The first fault latched since the last re-arm; nil when none.
    public internal(set) var latchedFault: String?
    public internal(set) var program: LocalProgram?
    /// Tanks below the low level (with hysteresis) and tanks whose low signal is injected.
    var lowTanks: Set<DeviceID> = []
    var injectedLowTanks: Set<DeviceID> = []
    var outcomes: CommandOutcomes
    var eventSequence = 0
    var lastState: StateSnapshot?
    /// When the full state was last published (nil until the first one, and while unpowered).
    var lastStateAt: SimInstant?
    let start: SimInstant

    struct StateSnapshot: Hashable, Sendable {
        var properties: [String: String]
        var faultCode: String
    }

    /// A controller driving `outputs` (its valves and pumps, in a fixed order), idle and armed at `start`.
    public init(
        id: DeviceID,
        outputs: [ControllerOutput],
        config: ControllerConfig = ControllerConfig(),
        start: SimInstant
    ) {
        self.id = id
        self.config = config
        self.outputs = outputs
        self.outputIndex = Dictionary(outputs.enumerated().map { ($1.device, $0) }, uniquingKeysWith: { a, _ in a })
        self.outcomes = CommandOutcomes(capacity: config.rememberedCommands)
        self.start = start
    }

    public var tankLow: Bool { !self.lowTanks.isEmpty || !self.injectedLowTanks.isEmpty }

    /// The earliest instant something is due: the first state at start, the state heartbeat, a timed close, a
    /// maximum runtime, the end of a program step's wait for a slot.
    public var nextDue: SimInstant {
        if self.lastState == nil { return self.start }
        var due = SimInstant(nanosecondsSinceEpoch: .max)
        if let heartbeat = self.stateHeartbeatDue { due = heartbeat }
        if let deadline = self.programWaitDeadline { due = min(due, deadline) }
        for output in self.outputs where output.isOn {
            if let closeAt = output.closeAt { due = min(due, closeAt) }
            if output.load != nil, let since = output.onSince { due = min(due, since + self.config.maxRuntime) }
        }
        return due
    }

    /// Handles everything due up to and including `now`, each at its own instant.
    public mutating func advance(to now: SimInstant, into out: inout [Emission]) {
        while true {
            let due = self.nextDue
            guard due <= now else { return }
            self.handleDue(at: due, into: &out)
        }
    }

    private mutating func handleDue(at now: SimInstant, into out: inout [Emission]) {
        guard self.power.isPowered else {  // a dead controller has nothing on and publishes nothing
            self.lastState = self.lastState ?? StateSnapshot(properties: [:], faultCode: "")
            return
        }
        self.abortProgramWaitingPast(now, into: &out)
        // A valve on for the maximum runtime trips even when its timed close falls on the same instant.
        for index in self.outputs.indices where self.outputs[index].isOn && self.outputs[index].load != nil {
            if let since = self.outputs[index].onSince, since + self.config.maxRuntime <= now {
                self.latch(
                    ControllerEvent.maxRuntime,
                    at: now,
                    message: "valve \(self.outputs[index].device) reached the maximum runtime",
                    into: &out
                )
                break
            }
        }
        for index in self.outputs.indices where self.outputs[index].isOn {
            if let closeAt = self.outputs[index].closeAt, closeAt <= now {
                if self.continueProgramOnSameValve(index, at: now) { continue }  // stays open: no off/on blip
                self.switchOutput(index, on: false, at: now, into: &out)
                self.valveClosed(index, at: now, into: &out)
            }
        }
        self.settle(at: now, into: &out)
    }

    // MARK: Switching

    /// Switches one output and records it as ground truth (and, for a valve, the valve's own state). Switching on
    /// an output that is on does nothing (the runtime count goes on); switching on at the instant it went off
    /// continues its run (physically it never stopped), so the max runtime counts continuous ON time.
    mutating func switchOutput(_ index: Int, on: Bool, at now: SimInstant, into out: inout [Emission]) {
        guard self.outputs[index].isOn != on else { return }
        let before = self.outputs[index]
        self.outputs[index].isOn = on
        if on {
            let lastOff = before.lastOff
            self.outputs[index].onSince = lastOff?.at == now ? lastOff?.since : now
        } else {
            self.outputs[index].onSince = nil
            self.outputs[index].closeAt = nil
            self.outputs[index].lastOff = before.onSince.map { (now, $0) }
        }
        let output = self.outputs[index]
        out.append(Emission(device: output.device, at: now, kind: .outputChanged(output: output.outputName, isOn: on)))
        guard self.power.isPowered else { return }
        out.append(
            Emission(
                device: output.device,
                at: now,
                kind: .state(
                    faultCode: self.latchedFault ?? "",
                    properties: [output.outputName: on ? "on" : "off"]
                )
            )
        )
    }

    /// Every output off at `now`, pumps first (so none runs against closed valves).
    mutating func allOff(at now: SimInstant, into out: inout [Emission]) {
        for index in self.outputs.indices where self.outputs[index].load == nil {
            self.switchOutput(index, on: false, at: now, into: &out)
        }
        for index in self.outputs.indices {
            self.switchOutput(index, on: false, at: now, into: &out)
        }
    }

    /// Latches `code` (the first latched fault stays the reported one): every output off, program dropped. A run
    /// ended by a latch is over: an open after the re-arm starts a new count.
    mutating func latch(_ code: String, at now: SimInstant, message: String, into out: inout [Emission]) {
        self.latchedFault = self.latchedFault ?? code
        self.allOff(at: now, into: &out)
        for index in self.outputs.indices { self.outputs[index].lastOff = nil }
        self.event(code, .critical, message, at: now, into: &out)
        if self.program != nil {
            self.program = nil
            self.event(ControllerEvent.programAborted, .warning, "program aborted: \(code)", at: now, into: &out)
        }
    }

    /// After any change: pumps follow the valves, a waiting program takes a free slot, and the state is published
    /// when it changed.
    mutating func settle(at now: SimInstant, into out: inout [Emission]) {
        guard self.power.isPowered else { return }
        self.retryWaitingProgram(at: now, into: &out)
        let anyValveOn = self.outputs.contains { $0.isOn && $0.load != nil }
        for index in self.outputs.indices where self.outputs[index].load == nil {
            self.switchOutput(index, on: anyValveOn, at: now, into: &out)
        }
        self.publishState(at: now, into: &out)
    }

    mutating func event(
        _ code: String,
        _ severity: EventSeverity,
        _ message: String,
        at now: SimInstant,
        into out: inout [Emission]
    ) {
        guard self.power.isPowered else { return }
        self.eventSequence += 1
        out.append(
            Emission(
                device: self.id,
                at: now,
                kind: .event(
                    eventID: "ev-\(self.eventSequence)",
                    code: code,
                    severity: severity,
                    message: message
                )
            )
        )
    }

    /// When the unchanged state is published again (`ControllerConfig.stateInterval` after the last one); nil while
    /// unpowered (a dead controller publishes nothing) or when the heartbeat is off.
    var stateHeartbeatDue: SimInstant? {
        guard self.power.isPowered, self.config.stateInterval > .zero, let last = self.lastStateAt else { return nil }
        return last + self.config.stateInterval
    }

    /// Publishes the full state when it changed or its heartbeat is due; the state's time is `now`.
    mutating func publishState(at now: SimInstant, into out: inout [Emission]) {
        let snapshot = StateSnapshot(properties: self.stateProperties, faultCode: self.latchedFault ?? "")
        let heartbeat = self.stateHeartbeatDue.map { $0 <= now } ?? false
        guard snapshot != self.lastState || heartbeat else { return }
        self.lastState = snapshot
        self.lastStateAt = now
        out.append(
            Emission(
                device: self.id,
                at: now,
                kind: .state(
                    faultCode: snapshot.faultCode,
                    properties: snapshot.properties
                )
            )
        )
    }

    var stateProperties: [String: String] {
        [
            "estop": self.estopOpen ? "open" : "closed",
            "door": self.doorOpen ? "open" : "closed",
            "power": self.power.mode.rawValue,
            "tank": self.tankLow ? "low" : "ok",
            "program": self.program?.summary ?? "idle",
            "valves_on": String(self.outputs.count { $0.isOn && $0.load != nil }),
        ]
    }

    /// Whether one more valve of `load` fits under the INT-150VA cap.
    func fitsCap(_ load: ValveLoad) -> Bool {
        let on = self.outputs.count { $0.isOn && $0.load == load }
        return on < (load == .highLoad ? self.config.maxHighLoad : self.config.maxStandard)
    }

    /// Why no valve may open now; nil when one may.
    var openBlocker: String? {
        if self.latchedFault != nil { return RejectReason.faultLatched }
        if self.estopOpen || self.doorOpen || self.tankLow { return RejectReason.interlockActive }
        return nil
    }
}
