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

    /// Opens the current step's valve for its duration, or waits for a free slot under the cap.
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
        self.program = program
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
        self.startStep(at: now, into: &out)
    }

    // MARK: Concurrency-cap queue

    mutating func drainQueue(at now: SimInstant, into out: inout [Emission]) {
        guard !self.queue.isEmpty, self.openBlocker == nil else { return }
        var kept: [QueuedOpen] = []
        for queued in self.queue {
            let output = self.outputs[queued.valve]
            if now > queued.expireTime {
                self.event(
                    ControllerEvent.queuedOpenExpired,
                    .warning,
                    "queued open \(queued.commandID) of \(output.device) expired",
                    at: now,
                    into: &out
                )
            } else if output.isOn {
                continue  // already open: nothing left to do
            } else if let load = output.load, self.fitsCap(load) {
                self.switchOutput(queued.valve, on: true, at: now, into: &out)
                self.outputs[queued.valve].closeAt = queued.duration.map { now + $0 }
                self.event(
                    ControllerEvent.queuedOpenExecuted,
                    .info,
                    "queued open \(queued.commandID) of \(output.device) executed",
                    at: now,
                    into: &out
                )
            } else {
                kept.append(queued)
            }
        }
        self.queue = kept
    }

    mutating func clearQueue(at now: SimInstant, because reason: String, into out: inout [Emission]) {
        guard !self.queue.isEmpty else { return }
        let count = self.queue.count
        self.queue = []
        self.event(
            ControllerEvent.queueCleared,
            .warning,
            "\(count) queued opens dropped: \(reason)",
            at: now,
            into: &out
        )
    }
}
