import Foundation

extension DomainError {
    static func runState(_ run: IrrigationRun, _ event: String) -> DomainError {
        DomainError(
            code: .failedPrecondition,
            message: "run \(run.id) is \(run.status.rawValue): cannot \(event)",
            reason: "ILLEGAL_RUN_TRANSITION",
            metadata: ["run_id": run.id.uuidString.lowercased(), "status": run.status.rawValue]
        )
    }
}

extension IrrigationRun {
    /// The second person's approval: AwaitingApproval -> Queued. The requester cannot approve their own run.
    public mutating func approve(by approver: UUID) throws -> [RunAction] {
        guard self.status == .awaitingApproval else { throw DomainError.runState(self, "approve") }
        guard approver != self.requestedBy else {
            throw DomainError(
                code: .permissionDenied,
                message: "the requester cannot approve their own run",
                reason: "APPROVER_IS_REQUESTER",
                metadata: ["run_id": self.id.uuidString.lowercased()]
            )
        }
        self.approvedBy = approver
        self.status = .queued
        return [.readyForStep(0)]
    }

    /// Denial ends the run Aborted; nothing was opened.
    public mutating func deny(by approver: UUID, at now: Date) throws -> [RunAction] {
        guard self.status == .awaitingApproval else { throw DomainError.runState(self, "deny") }
        return self.finishAborted(.approvalDenied(by: approver), at: now)
    }

    /// Opens step `currentStep` if the interlocks allow (`decision` from `InterlockEvaluator.mayStart`). Held back:
    /// a Queued run waits only for conditions that clear by themselves (tank, stale reading, CO2 exhaust, the cap)
    /// and is aborted for the rest, so that re-arming a fault never starts water; a Running run between steps aborts
    /// for anything that would abort a watering run and waits for the others.
    public mutating func startStep(_ decision: StartDecision, at now: Date) throws -> [RunAction] {
        let between = self.status == .running && self.steps[self.currentStep].status == .pending
        guard self.status == .queued || between else { throw DomainError.runState(self, "start a step") }
        if let reason = decision.blockReason {
            self.blockReason = reason
            let aborts = between ? reason.effect >= .abortRun : reason.recovery != .automaticWhenCleared
            guard aborts else { return [.blocked(reason)] }
            return [.blocked(reason)] + self.beginAbort(.interlock(reason), at: now)
        }
        self.blockReason = nil
        if self.status == .queued {
            self.status = .running
            self.startedAt = now
        }
        let step = self.currentStep
        self.steps[step].status = .opening
        return [.command(.open, zoneID: self.steps[step].zoneID, idempotencyKey: "\(self.key)/step/\(step)/open")]
    }

    /// The current step has watered its duration or volume (the caller measures): close its valve.
    public mutating func stepFinished(at now: Date) throws -> [RunAction] {
        guard self.status == .running, self.steps[self.currentStep].status == .watering else {
            throw DomainError.runState(self, "finish a step that is not watering")
        }
        let step = self.currentStep
        self.steps[step].status = .closing
        return [.command(.close, zoneID: self.steps[step].zoneID, idempotencyKey: "\(self.key)/step/\(step)/close")]
    }

    /// A valve command of this run reached a final status (from the command plane). While running, a confirmed open
    /// starts watering, a confirmed close ends the step (and the run after the last); anything not confirmed aborts.
    /// While aborting, the saga counts the closes.
    public mutating func commandSettled(
        zoneID: UUID,
        action: ValveAction,
        status: CommandStatus,
        at now: Date
    ) -> [RunAction] {
        // A controller's re-arm belongs to no run (it is never a run's command).
        guard status.isFinished, action != .rearm else { return [] }
        switch self.status {
        case .aborting:
            return self.sagaSettled(zoneID: zoneID, action: action, status: status, at: now)
        case .running:
            let step = self.currentStep
            guard self.steps[step].zoneID == zoneID else { return [] }
            guard status == .executed else { return self.beginAbort(.device(zoneID: zoneID, status: status), at: now) }
            switch (action, self.steps[step].status) {
            case (.open, .opening):
                self.steps[step].status = .watering
                self.steps[step].openedAt = now
                return []
            case (.close, .closing):
                self.steps[step].status = .done
                self.steps[step].closedAt = now
                guard step + 1 < self.steps.count else {
                    self.status = .completed
                    self.stoppedAt = now
                    return [.finished(.completed, at: now)]
                }
                self.currentStep = step + 1
                return [.readyForStep(step + 1)]
            default:
                return []
            }
        case .awaitingApproval, .queued, .completed, .aborted:
            // A late open confirmed after the run ended (or timed out: the device may have acted) would leave water
            // flowing: close it again.
            guard action == .open, status == .executed || status == .timeout, self.status.isFinished else {
                return []
            }
            return [self.closeAgain(zoneID)]
        }
    }

    /// The interlocks' verdict for a watering run (`InterlockEvaluator.duringRun`).
    public mutating func interlock(_ decision: RunDecision, at now: Date) -> [RunAction] {
        guard self.status == .running, let reason = decision.reason else { return [] }
        var actions: [RunAction] = []
        if reason.raisesAlert { actions.append(.alert(reason.rawValue, zoneID: nil)) }
        return actions + self.beginAbort(.interlock(reason), at: now)
    }

    /// An operator's abort. Before anything opened the run ends at once; a watering run starts the abort saga; an
    /// abort already under way is not restarted.
    public mutating func abort(by operatorID: UUID, reason: String, at now: Date) throws -> [RunAction] {
        try Validate.text(reason, field: "reason", maximum: 500)
        guard !self.status.isFinished else { throw DomainError.runState(self, "abort") }
        return self.beginAbort(.operatorRequest(by: operatorID, reason: reason), at: now)
    }

    /// A Queued run that has waited `limit` (its program's max runtime) since it was requested ends Aborted, with the
    /// alert `QUEUE_TIMEOUT`; its cause is the reason that held it back, or `MAX_RUNTIME_EXCEEDED` when none did.
    public mutating func queueTimedOut(after limit: TimeInterval, at now: Date) -> [RunAction] {
        guard self.status == .queued, now.timeIntervalSince(self.requestedAt) >= limit else { return [] }
        let cause = RunAbortCause.interlock(self.blockReason ?? .maxRuntimeExceeded)
        return [.alert("QUEUE_TIMEOUT", zoneID: nil)] + self.finishAborted(cause, at: now)
    }

    var key: String { self.id.uuidString.lowercased() }
}
