extension IrrigationController {
    /// A command for this controller, or for one of its valves (`addressedValve`: the valve it was sent to, which
    /// stands in for a missing `valve` parameter and must match a present one). Acks go to the device the command was
    /// sent to: RECEIVED, then EXECUTED or REJECTED (final: a rejected command never executes later). A command
    /// without an idempotency key is refused, since a redelivery of it could not be told from a new command. A dead
    /// (unpowered) controller hears nothing.
    public mutating func receive(
        _ command: SimCommand,
        addressedValve: DeviceID? = nil,
        at now: SimInstant,
        into out: inout [Emission]
    ) {
        guard self.power.isPowered else { return }
        self.advance(to: now, into: &out)
        out.append(.ack(command, .received, at: now))
        guard !command.idempotencyKey.isEmpty else {
            out.append(.ack(command, .rejected, reason: RejectReason.badParameter("idempotency_key"), at: now))
            return
        }
        if let original = self.outcomes[command.idempotencyKey] {
            out.append(.ack(command, original.stage, reason: original.reason, at: now))
            return
        }
        let outcome: CommandOutcomes.Outcome
        if now > command.expireTime {
            outcome = .init(stage: .rejected, reason: RejectReason.expired)
        } else {
            let reason = self.execute(command, addressedValve: addressedValve, at: now, into: &out)
            outcome = .init(stage: reason == nil ? .executed : .rejected, reason: reason ?? "")
            self.settle(at: now, into: &out)
        }
        self.outcomes.record(outcome, for: command.idempotencyKey)
        out.append(.ack(command, outcome.stage, reason: outcome.reason, at: now))
    }

    /// Carries the command out; returns the reject reason, or nil when executed.
    private mutating func execute(
        _ command: SimCommand,
        addressedValve: DeviceID?,
        at now: SimInstant,
        into out: inout [Emission]
    ) -> String? {
        switch command.name {
        case ControllerCommand.valveOpen:
            return self.openValve(command, addressedValve: addressedValve, at: now, into: &out)
        case ControllerCommand.valveClose:
            switch self.valveIndex(command, addressedValve) {
            case .failure(let reason): return reason.text
            case .success(let index):
                guard self.outputs[index].isOn else { return nil }
                self.switchOutput(index, on: false, at: now, into: &out)
                self.valveClosed(index, at: now, into: &out)
                return nil
            }
        case ControllerCommand.programStart:
            return self.startProgram(command, at: now, into: &out)
        case ControllerCommand.programStop:
            self.stopProgram(at: now, into: &out)
            return nil
        case ControllerCommand.rearm:
            return self.rearm(command, at: now, into: &out)
        default:
            return RejectReason.unknownCommand
        }
    }

    private mutating func openValve(
        _ command: SimCommand,
        addressedValve: DeviceID?,
        at now: SimInstant,
        into out: inout [Emission]
    ) -> String? {
        let index: Int
        switch self.valveIndex(command, addressedValve) {
        case .failure(let reason): return reason.text
        case .success(let found): index = found
        }
        var duration: Duration?
        if let text = command.parameters["duration_s"] {
            guard let seconds = Int64(text), seconds > 0, Duration.seconds(seconds) < self.config.maxRuntime else {
                return RejectReason.badParameter("duration_s")
            }
            duration = .seconds(seconds)
        }
        if let blocker = self.openBlocker { return blocker }
        if self.outputs[index].isOn {
            self.outputs[index].closeAt = duration.map { now + $0 }
            return nil
        }
        guard let load = self.outputs[index].load, self.fitsCap(load) else {
            return RejectReason.concurrencyCap  // final: the platform may send a new command when a slot frees
        }
        self.switchOutput(index, on: true, at: now, into: &out)
        self.outputs[index].closeAt = duration.map { now + $0 }
        return nil
    }

    private mutating func startProgram(_ command: SimCommand, at now: SimInstant, into out: inout [Emission]) -> String?
    {
        guard let text = command.parameters["steps"], let steps = LocalProgram.parse(text) else {
            return RejectReason.badParameter("steps")
        }
        var run = Duration.zero  // consecutive steps on one valve keep it open: one run
        for (position, step) in steps.enumerated() {
            guard let index = self.outputIndex[step.valve], self.outputs[index].load != nil else {
                return RejectReason.unknownOutput
            }
            let continues = position > 0 && steps[position - 1].valve == step.valve
            run = continues ? run + step.duration : step.duration
            guard run < self.config.maxRuntime else { return RejectReason.badParameter("steps") }
        }
        if let blocker = self.openBlocker { return blocker }
        guard self.program == nil else { return RejectReason.programActive }
        self.startProgram(steps, at: now, into: &out)
        return nil
    }

    private mutating func rearm(_ command: SimCommand, at now: SimInstant, into out: inout [Emission]) -> String? {
        guard let authorizer = command.parameters["authorizer"], !authorizer.isEmpty, authorizer.count <= 128 else {
            return RejectReason.badParameter("authorizer")
        }
        guard self.config.authorizers.isEmpty || self.config.authorizers.contains(authorizer) else {
            return RejectReason.unauthorized
        }
        guard !self.estopOpen, !self.doorOpen else { return RejectReason.interlockActive }
        guard let cleared = self.latchedFault else { return nil }
        self.latchedFault = nil
        self.event(
            ControllerEvent.rearmed,
            .info,
            "\(cleared) cleared by \(authorizer); outputs stay off",
            at: now,
            into: &out
        )
        return nil
    }

    private struct Reason: Error { var text: String }

    private func valveIndex(_ command: SimCommand, _ addressedValve: DeviceID?) -> Result<Int, Reason> {
        guard let valve = command.parameters["valve"] ?? addressedValve, !valve.isEmpty,
            addressedValve == nil || valve == addressedValve
        else {
            return .failure(Reason(text: RejectReason.badParameter("valve")))
        }
        guard let index = self.outputIndex[valve], self.outputs[index].load != nil else {
            return .failure(Reason(text: RejectReason.unknownOutput))
        }
        return .success(index)
    }
}
