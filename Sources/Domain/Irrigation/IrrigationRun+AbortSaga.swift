import Foundation

/// The abort saga: close every valve of the run, wait for each close to be confirmed, and compensate (shut the
/// group's supply, alert) for any a device does not confirm. The run is Aborted when no close is pending.
extension IrrigationRun {
    mutating func beginAbort(_ cause: RunAbortCause, at now: Date) -> [RunAction] {
        switch self.status {
        case .aborting:
            // An operator who aborts a run an interlock is already stopping takes the decision over: the cause
            // becomes theirs, so a self-clearing interlock (tank low) no longer restarts the program afterwards.
            if case .operatorRequest = cause, case .interlock = self.abortCause { self.abortCause = cause }
            return []
        case .completed, .aborted:
            return []
        case .awaitingApproval, .queued:
            return self.finishAborted(cause, at: now)
        case .running:
            self.status = .aborting
            self.abortCause = cause
            let zones = self.steps.map(\.zoneID).reduce(into: [UUID]()) { if !$0.contains($1) { $0.append($1) } }
            self.pendingCloses = Set(zones)
            return zones.map { self.closeAgain($0) }
        }
    }

    mutating func sagaSettled(zoneID: UUID, action: ValveAction, status: CommandStatus, at now: Date) -> [RunAction] {
        switch (action, status) {
        case (.open, .executed), (.open, .timeout):
            // An open that lands after the abort began (or whose fate is unknown: TIMEOUT, the device may have
            // acted): the valve may be open again, so close it again.
            self.pendingCloses.insert(zoneID)
            return [self.closeAgain(zoneID)]
        case (.open, _):
            return []
        case (.close, .executed):
            guard self.pendingCloses.remove(zoneID) != nil else { return [] }
            self.unconfirmedZones.remove(zoneID)
        case (.rearm, _):
            return []
        case (.close, _):
            guard self.pendingCloses.remove(zoneID) != nil else { return [] }
            self.unconfirmedZones.insert(zoneID)
            let compensation: [RunAction] = [
                .alert("VALVE_CLOSE_UNCONFIRMED", zoneID: zoneID), .shutOffSupply(groupID: self.groupID),
            ]
            return compensation + self.finishIfClosed(at: now)
        }
        return self.finishIfClosed(at: now)
    }

    private mutating func finishIfClosed(at now: Date) -> [RunAction] {
        guard self.pendingCloses.isEmpty else { return [] }
        self.status = .aborted
        self.stoppedAt = now
        return [.finished(.aborted, at: now)]
    }

    mutating func finishAborted(_ cause: RunAbortCause, at now: Date) -> [RunAction] {
        self.status = .aborted
        self.abortCause = cause
        self.stoppedAt = now
        return [.finished(.aborted, at: now)]
    }

    /// A close command for `zoneID` with a key of its own (a later close must not be deduplicated into an earlier).
    mutating func closeAgain(_ zoneID: UUID) -> RunAction {
        let round = self.closeRounds[zoneID, default: 0] + 1
        self.closeRounds[zoneID] = round
        let zone = zoneID.uuidString.lowercased()
        return .command(.close, zoneID: zoneID, idempotencyKey: "\(self.key)/abort/\(zone)/close/\(round)")
    }
}
