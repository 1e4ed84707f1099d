import Domain
import Foundation
import Logging

extension IrrigationScheduler {
    /// Most phase changes read per site and round (the rest wait for the next round).
    static let phaseChangesPerRound = 500

    /// The phase part of a round: every site with an enabled phase schedule and a recent phase change, each
    /// (change, schedule) pair `PhaseFirePlan` finds decided once: skipped with its reason, or claimed and started.
    /// A store failure is logged and counted and ends the site's phase round (the next round retries).
    func tickPhases(now: Date, round: Round) async -> Round {
        guard let phases = self.phases else { return round }
        var round = round
        let lookBack = Self.seconds(self.configuration.phaseLookBack)
        let sites: [SiteReference]
        do {
            sites = try await phases.phaseChangeSites(lookBack: lookBack)
        } catch {
            self.metrics.storeError()
            self.logger.warning("irrigation scheduler: cannot list phase-change sites", metadata: ["error": "\(error)"])
            return round
        }
        for site in sites {
            do {
                let work = try await phases.phaseWork(at: site, lookBack: lookBack, limit: Self.phaseChangesPerRound)
                let plan = PhaseFirePlan.make(work, now: now, grace: Self.seconds(self.configuration.grace))
                for item in plan {
                    try await self.apply(item, phases: phases, now: now, to: &round)
                }
            } catch {
                if Task.isCancelled { return round }
                self.metrics.storeError()
                self.logger.warning(
                    "irrigation scheduler: phase round failed for a site",
                    metadata: ["site": "\(site.siteID)", "error": "\(error)"]
                )
            }
        }
        return round
    }

    private func apply(
        _ item: PhaseFirePlan.Item,
        phases: any PhaseFireRepository,
        now: Date,
        to round: inout Round
    ) async throws {
        let change = item.change.change
        let metadata: Logger.Metadata = [
            "phase_change": "\(change.id)", "batch": "\(item.change.batchCode)", "phase": "\(change.to.rawValue)",
            "changed_at": "\(change.changedAt)",
        ]
        if case .skip(let reason) = item.decision {
            guard try await phases.recordSkipped(item, reason: reason, instance: self.configuration.instance, now: now)
            else {
                round.phaseDecidedElsewhere += 1
                return
            }
            round.phaseSkipped += 1
            self.metrics.phaseFireSkipped()
            self.logger.notice(
                "irrigation scheduler: phase-change fire skipped",
                metadata: metadata.merging(
                    ["schedule": "\(item.schedule.program.schedule.id)", "reason": "\(reason.rawValue)"]
                ) { $1 }
            )
            return
        }
        guard try await phases.claim(item, instance: self.configuration.instance, now: now) else {
            round.phaseDecidedElsewhere += 1
            return
        }
        let outcome: PhaseFire.Outcome =
            switch await self.start(item.schedule.program, audit: Self.auditContext(item), metadata: metadata) {
            case .started(let run): .started(runID: run)
            case .failed(let error): .failed(error: error)
            case .claimed, .skipped: .failed(error: "unexpected outcome")
            }
        if case .started = outcome {
            round.phaseStarted += 1
            self.metrics.phaseFireStarted()
        } else {
            round.phaseFailed += 1
            self.metrics.phaseFireFailed()
        }
        try await phases.finish(item, outcome: outcome, now: self.clock.now())
    }

    /// StartRun's audit context for a phase fire: request id `irrigation-scheduler:{schedule}:phase:{change}`.
    static func auditContext(_ item: PhaseFirePlan.Item) -> AuditContext {
        let schedule = item.schedule.program.schedule.id.uuidString.lowercased()
        let change = item.change.change
        return AuditContext(
            requestID: "irrigation-scheduler:\(schedule):phase:\(change.id.uuidString.lowercased())",
            note: "started by the irrigation scheduler: schedule \(schedule), batch \(item.change.batchCode) "
                + "entered \(change.to.rawValue) at \(change.changedAt.formatted(.iso8601))"
        )
    }
}
