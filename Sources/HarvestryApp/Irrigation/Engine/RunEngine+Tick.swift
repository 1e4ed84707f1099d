import Domain
import Foundation
import Logging
import ServiceLifecycle

extension RunEngine: Service {
    /// One pass at start-up (reconciling after a restart: settlements not yet applied, timers due, interlocks), then
    /// one every `tickInterval` until cancelled or the service group shuts down.
    public func run() async throws {
        // Shutdown cancels the sleep: the loop then ends normally (a thrown CancellationError would fail the group).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.tick()
                try? await Task.sleep(for: self.configuration.tickInterval)
            }
        }
    }

    /// One pass over every site with live runs: apply settlements not yet applied, then for each live run the
    /// interlock watch, the step timer, and the retry of a held-back start. Errors are logged per run and retried
    /// on the next pass. `only` limits the pass to those sites (tests share one database).
    public func tick(only: Set<UUID>? = nil) async {
        let sites: [EngineSite]
        do {
            sites = try await self.store.engineSites(among: nil).filter { only?.contains($0.siteID) ?? true }
        } catch {
            self.metrics.error()
            self.logger.error("cannot list the sites with live irrigation runs: \(error)")
            return
        }
        var running: Set<UUID> = []
        var read: Set<UUID> = []
        var complete = true
        for site in sites {
            let scope = self.systemScope(site)
            do {
                for stored in try await self.store.unappliedSettlements(siteID: site.siteID, in: scope) {
                    await self.settle(stored, in: scope)
                }
                let live = try await self.store.liveRuns(siteID: site.siteID, in: scope)
                running.formUnion(live.filter { $0.status == .running }.map(\.id))
                read.insert(site.siteID)
                for run in live {
                    do {
                        try await self.step(run, in: scope)
                    } catch {
                        self.metrics.error()
                        self.logger.error(
                            "cannot advance run: \(error)",
                            metadata: ["run": "\(run.id.uuidString.lowercased())"]
                        )
                    }
                }
            } catch {
                complete = false
                self.metrics.error()
                self.logger.error(
                    "cannot read the live runs: \(error)",
                    metadata: ["site": "\(site.siteID.uuidString.lowercased())"]
                )
            }
        }
        // Alarm-delay state only for runs still Running in the sites read (a site whose runs could not be read keeps
        // its entries); a full pass also drops the entries of sites that have no live run any more.
        self.alarms.keep(only: running, in: read, dropOtherSites: complete && only == nil)
    }

    /// What a pass does for one live run. Decisions are made on the run as read; each change re-checks the run
    /// under its lock, so a run another instance moved meanwhile is left alone.
    func step(_ run: IrrigationRun, in scope: AccessScope) async throws {
        switch run.status {
        case .queued:
            let limit = try await self.repository.program(run.programID, in: scope).maxRuntime
            if self.now().timeIntervalSince(run.requestedAt) >= limit {
                let progression = try await self.progression(for: run, in: scope)
                try await self.advance(run.id, with: progression, in: scope, audit: .none) { locked, p in
                    var changed = locked
                    let actions = changed.queueTimedOut(after: limit, at: p.now)
                    return actions.isEmpty ? nil : try p.apply(actions, to: changed)
                }
                return
            }
            guard run.blockReason.map({ $0.recovery == .automaticWhenCleared }) ?? true else { return }
            let progression = try await self.progression(for: run, in: scope)
            try await self.advance(run.id, with: progression, in: scope, audit: .none) { locked, p in
                guard locked.status == .queued else { return nil }
                return try p.apply([.readyForStep(locked.currentStep)], to: locked)
            }
        case .running:
            let progression: RunProgression
            do {
                progression = try await self.progression(for: run, in: scope)
            } catch {
                // Unwatched water must still stop: past the program's max runtime the abort begins regardless.
                try await self.abortPastMaxRuntime(run, in: scope)
                throw error
            }
            guard let watch = progression.watch(run) else { return }
            let decision = self.alarms.decide(watch, progression)
            if decision != .continue {
                try await self.advance(run.id, with: progression, in: scope, audit: .none) { locked, p in
                    try p.interlock(decision, on: locked)
                }
            } else if progression.stepTimeIsUp(run) {
                let index = run.currentStep
                try await self.advance(run.id, with: progression, in: scope, audit: .none) { locked, p in
                    guard locked.currentStep == index, p.stepTimeIsUp(locked) else { return nil }
                    var changed = locked
                    return try p.apply(try changed.stepFinished(at: p.now), to: changed)
                }
            } else if run.steps[run.currentStep].status == .pending {
                // Between steps, held back by a condition that clears by itself (CO2 exhaust, the cap).
                let index = run.currentStep
                try await self.advance(run.id, with: progression, in: scope, audit: .none) { locked, p in
                    guard locked.status == .running, locked.currentStep == index,
                        locked.steps[index].status == .pending
                    else { return nil }
                    return try p.apply([.readyForStep(index)], to: locked)
                }
            }
        case .awaitingApproval, .aborting, .completed, .aborted:
            // Aborting waits for its closes to settle (the command plane times them out).
            return
        }
    }

    /// A Running run whose progression cannot be read (settings or interlock inputs failing to load): once its
    /// elapsed time reaches the program's max runtime, its abort (MAX_RUNTIME_EXCEEDED) begins with the site's
    /// default command timing and no interlock snapshot. Needs the program and group (their valves).
    func abortPastMaxRuntime(_ run: IrrigationRun, in scope: AccessScope) async throws {
        let program = try await self.repository.program(run.programID, in: scope)
        guard let startedAt = run.startedAt, self.now().timeIntervalSince(startedAt) >= program.maxRuntime else {
            return
        }
        let group = try await self.repository.group(run.groupID, in: scope)
        let fallback = RunProgression(
            group: group,
            program: program,
            settings: IrrigationSiteSettings(siteID: group.siteID),
            snapshot: InterlockSnapshot(now: self.now())
        )
        let decision = RunDecision.abort(reasons: [.maxRuntimeExceeded], closeZones: run.zones, latch: [])
        try await self.advance(run.id, with: fallback, in: scope, audit: .none) { locked, p in
            try p.interlock(decision, on: locked)
        }
        self.logger.error(
            "run past its max runtime without a readable progression: abort begun",
            metadata: ["run": "\(run.id.uuidString.lowercased())"]
        )
    }
}
