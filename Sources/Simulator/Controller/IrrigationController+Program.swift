extension IrrigationController {
    mutating func startProgram(_ steps: [LocalProgram.Step], at now: SimInstant, into out: inout [Emission]) {
        self.program = LocalProgram(steps: steps)
        self.event(ControllerEvent.programStarted, .info, "program of \(steps.count) steps", at: now, into: &out)
        self.startStep(at: now, into: &out)
    }

    mutating func stopProgram(at now: SimInstant, into out: inout [Emission]) {
        guard let program = self.program else { return }
        self.program = nil
        let step = program.steps[program.current]
        if program.phase == .running, let index = self.outputIndex[step.valve] {
            self.switchOutput(index, on: false, at: now, into: &out)
        }
        self.event(
            ControllerEvent.programStopped,
            .info,
            "program stopped at step \(program.current + 1)",
            at: now,
            into: &out
        )
    }

    /// Opens the current step's valve for its duration, or waits for a free slot under the cap (at most
    /// `ControllerConfig.maxStepWait`, then `abortProgramWaitingPast` ends the program).
    mutating func startStep(at now: SimInstant, into out: inout [Emission]) {
        guard var program = self.program, let index = self.outputIndex[program.steps[program.current].valve],
            let load = self.outputs[index].load
        else { return }
        let closeAt = now + program.steps[program.current].duration
        if self.outputs[index].isOn {
            self.outputs[index].closeAt = closeAt  // a manual open of the same valve becomes the step
            program.phase = .running
        } else if self.fitsCap(load) {
            self.switchOutput(index, on: true, at: now, into: &out)
            self.outputs[index].closeAt = closeAt
            program.phase = .running
        } else {
            if program.waitingSince == nil { program.waitingSince = now }
            if program.phase != .waiting {
                self.event(
                    ControllerEvent.programWaiting,
                    .info,
                    "step \(program.current + 1) waits for a slot under the concurrency cap",
                    at: now,
                    into: &out
                )
            }
            program.phase = .waiting
        }
        if program.phase == .running { program.waitingSince = nil }
        self.program = program
    }

    /// When the waiting step's bound ends; nil when no step waits.
    var programWaitDeadline: SimInstant? {
        guard let program = self.program, program.phase == .waiting, let since = program.waitingSince else {
            return nil
        }
        return since + self.config.maxStepWait
    }

    /// A step that waited its whole bound for a slot never opens late: the program is aborted with the reason.
    mutating func abortProgramWaitingPast(_ now: SimInstant, into out: inout [Emission]) {
        guard let deadline = self.programWaitDeadline, deadline <= now, let program = self.program else { return }
        self.program = nil
        self.event(
            ControllerEvent.programAborted,
            .warning,
            "program aborted: step \(program.current + 1) waited \(self.config.maxStepWait) for a slot under the cap",
            at: now,
            into: &out
        )
    }

    /// At the running step's timed close: when the next step names the same valve it stays open (no off/on blip,
    /// its run goes on) and the program moves to that step. Returns whether it did.
    mutating func continueProgramOnSameValve(_ index: Int, at now: SimInstant) -> Bool {
        guard var program = self.program, program.phase == .running, program.current + 1 < program.steps.count,
            program.steps[program.current].valve == self.outputs[index].device,
            program.steps[program.current + 1].valve == self.outputs[index].device
        else { return false }
        program.current += 1
        self.outputs[index].closeAt = now + program.steps[program.current].duration
        self.program = program
        return true
    }

    /// A valve closed for a reason other than a gate: if it was the running step's, the program moves on.
    mutating func valveClosed(_ index: Int, at now: SimInstant, into out: inout [Emission]) {
        guard var program = self.program, program.phase == .running,
            program.steps[program.current].valve == self.outputs[index].device
        else { return }
        program.current += 1
        if program.current == program.steps.count {
            self.program = nil
            self.event(ControllerEvent.programCompleted, .info, "program completed", at: now, into: &out)
            return
        }
        self.program = program
        self.startStep(at: now, into: &out)
    }

    mutating func retryWaitingProgram(at now: SimInstant, into out: inout [Emission]) {
        guard self.program?.phase == .waiting, self.openBlocker == nil else { return }
        if let deadline = self.programWaitDeadline, deadline <= now {
            self.abortProgramWaitingPast(now, into: &out)
            return
        }
        self.startStep(at: now, into: &out)
    }

    /// Tank low: every valve closes, the program keeps its place for the retry.
    mutating func abortProgramForTank() {
        guard self.program != nil else { return }
        self.program?.phase = .abortedForTank
    }

    /// Tank restored: the aborted step starts again from its full duration.
    mutating func retryProgramAfterTank(at now: SimInstant, into out: inout [Emission]) {
        guard let program = self.program, program.phase == .abortedForTank, self.openBlocker == nil else { return }
        self.event(
            ControllerEvent.programRetry,
            .info,
            "retrying step \(program.current + 1) after tank restored",
            at: now,
            into: &out
        )
        self.program?.phase = .waiting
        self.program?.waitingSince = nil  // a new wait, if any, starts now
        self.startStep(at: now, into: &out)
    }
}
