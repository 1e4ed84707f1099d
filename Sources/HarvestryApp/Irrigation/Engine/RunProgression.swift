import Domain
import Foundation

/// Turns a run's `RunAction`s into one `RunChange` against a snapshot taken at `now`: commands to the outbox (the
/// zone's valve from the group), `mayStart` + `startStep` for `.readyForStep`, interlock events for blocks, aborts
/// and latches, alerts. Pure: the engine reads the inputs and stores the result.
struct RunProgression: Sendable {
    var group: IrrigationGroup
    var program: IrrigationProgram
    var settings: IrrigationSiteSettings
    var snapshot: InterlockSnapshot

    var now: Date { self.snapshot.now }
    var evaluator: InterlockEvaluator { InterlockEvaluator(policy: self.settings.policy) }

    /// Applies `actions` issued by a transition that produced `run`.
    func apply(_ actions: [RunAction], to run: IrrigationRun, auditDetails: [String: String] = [:]) throws -> RunChange
    {
        var change = RunChange(run: run, auditDetails: auditDetails)
        var pending = actions[...]
        // Each step is readied at most once per change, so the work is bounded by the program's length.
        var readied = Set<Int>()
        while let action = pending.popFirst() {
            switch action {
            case .command(let valveAction, let zoneID, let key):
                guard let valve = self.group.valve(forZone: zoneID) else {
                    change.alerts.append(
                        RunAlert(
                            code: "VALVE_NOT_IN_GROUP",
                            zoneID: zoneID,
                            detail: "no valve for the zone in the group"
                        )
                    )
                    continue
                }
                var command = self.settings.commandTiming.command(
                    valveAction,
                    valve: valve,
                    idempotencyKey: key,
                    now: self.now
                )
                if valveAction == .open { command.durationSeconds = self.openDuration(zoneID, of: change.run) }
                change.commands.append(command)
            case .readyForStep(let index):
                guard readied.insert(index).inserted else { continue }
                pending.append(contentsOf: try self.startStep(index, of: &change))
            case .blocked:
                // Its events were recorded with the decision (see startStep).
                continue
            case .alert(let code, let zoneID):
                change.alerts.append(RunAlert(code: code, zoneID: zoneID, detail: self.describe(code, run: change.run)))
            case .shutOffSupply(let groupID):
                // No pump or master valve is modelled for a group: an operator must shut the supply.
                change.alerts.append(
                    RunAlert(
                        code: "SUPPLY_SHUT_OFF_REQUIRED",
                        zoneID: nil,
                        detail: "group \(groupID.uuidString.lowercased()) has no modelled pump or master valve: "
                            + "shut its supply by hand"
                    )
                )
            case .finished:
                continue
            }
        }
        return change
    }

    /// `mayStart` for step `index`, then `startStep`. A block is logged as interlock events when its reason is new
    /// for the run (a Queued run retried every tick logs once per reason, not once per tick).
    private func startStep(_ index: Int, of change: inout RunChange) throws -> [RunAction] {
        let run = change.run
        guard index == run.currentStep, index < run.steps.count,
            let valve = self.group.valve(forZone: run.steps[index].zoneID)
        else { return [] }
        let request = StartRequest(
            valves: [valve],
            runStartedAt: run.startedAt,
            maxRuntime: self.program.maxRuntime
        )
        var decision = self.evaluator.mayStart(request, in: self.snapshot)
        // The cap admits an already open valve without a slot (FRP-06); a run must still not open a zone another live
        // run (or a manual command) holds open: it waits as for the cap, until that valve is closed.
        if decision == .allowed, self.snapshot.openValves.contains(where: { $0.zoneID == valve.zoneID }) {
            decision = .blocked([.concurrencyCap])
        }
        let previous = run.blockReason
        let actions = try change.run.startStep(decision, at: self.now)
        if let reason = decision.blockReason, reason != previous || change.run.status.isFinished {
            change.events += self.evaluator.events(for: decision, group: self.group.id, run: run.id, in: self.snapshot)
        }
        return actions
    }

    /// The interlocks' verdict on a watering run, applied: its events (the stop and each new latch), the run's abort
    /// saga and, for a shut-off, a close for every other open valve in the group.
    func interlock(_ decision: RunDecision, on run: IrrigationRun) throws -> RunChange? {
        guard run.status == .running, decision != .continue else { return nil }
        var changed = run
        let actions = changed.interlock(decision, at: self.now)
        var change = try self.apply(actions, to: changed)
        change.events =
            self.evaluator.events(for: decision, group: self.group.id, run: run.id, in: self.snapshot)
            + change.events
        if case .shutOff(_, let zones, _) = decision {
            let stamp = Int64((self.now.timeIntervalSince1970 * 1_000).rounded())
            for zone in zones.subtracting(run.zones).sorted(by: { $0.uuidString < $1.uuidString }) {
                guard let valve = self.group.valve(forZone: zone) else { continue }
                let key = "\(run.id.uuidString.lowercased())/shutoff/\(zone.uuidString.lowercased())/\(stamp)"
                change.commands.append(
                    self.settings.commandTiming.command(.close, valve: valve, idempotencyKey: key, now: self.now)
                )
            }
        }
        return change
    }

    /// The run's current step has watered its duration (measured from the confirmed open).
    func stepTimeIsUp(_ run: IrrigationRun) -> Bool {
        guard run.status == .running, run.currentStep < run.steps.count, run.currentStep < self.program.steps.count
        else { return false }
        let step = run.steps[run.currentStep]
        guard step.status == .watering, let openedAt = step.openedAt,
            case .duration(let seconds) = self.program.steps[run.currentStep].amount
        else { return false }
        return self.now >= openedAt.addingTimeInterval(seconds)
    }

    /// An open's `duration_s` (`TimedOpen`): the current step's remaining duration plus the margin; nil when the
    /// open is not the current timed step's.
    private func openDuration(_ zoneID: UUID, of run: IrrigationRun) -> Int? {
        let index = run.currentStep
        guard index < run.steps.count, index < self.program.steps.count, run.steps[index].zoneID == zoneID,
            case .duration(let seconds) = self.program.steps[index].amount
        else { return nil }
        let watered = run.steps[index].openedAt.map { self.now.timeIntervalSince($0) } ?? 0
        return TimedOpen.durationSeconds(remaining: seconds - max(0, watered))
    }

    /// What the watch sees of a running run.
    func watch(_ run: IrrigationRun) -> RunWatch? {
        guard run.status == .running, let startedAt = run.startedAt else { return nil }
        return RunWatch(runID: run.id, startedAt: startedAt, maxRuntime: self.program.maxRuntime, zones: run.zones)
    }

    private func describe(_ code: String, run: IrrigationRun) -> String {
        if let reason = InterlockReason(rawValue: code) { return self.evaluator.explain(reason, in: self.snapshot) }
        return "run \(run.id.uuidString.lowercased()): \(code)"
    }
}
