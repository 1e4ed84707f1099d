import Domain
import Foundation
import Logging

extension IrrigationScheduler {
    /// What one round did.
    public struct Round: Sendable, Hashable {
        /// Fires this instance started, failed or skipped; fires due now that another instance had decided.
        public var started = 0
        public var failed = 0
        public var skipped = 0
        public var decidedElsewhere = 0
        /// The same for phase-change fires ((change, schedule) pairs).
        public var phaseStarted = 0
        public var phaseFailed = 0
        public var phaseSkipped = 0
        public var phaseDecidedElsewhere = 0
        /// The earliest fire after the round's `now` over all schedules read (nil: none, or the store failed).
        public var nextFire: Date?
    }

    /// One round at `now`: every site with enabled time-of-day schedules, each schedule's plan applied. A store
    /// failure is logged and counted and ends the site's round (the next round retries; decided fires stay decided).
    public func tick(now: Date) async -> Round {
        var round = Round()
        let sites: [SiteReference]
        do {
            sites = try await self.repository.scheduledSites()
        } catch {
            self.metrics.storeError()
            self.logger.warning("irrigation scheduler: cannot list scheduled sites", metadata: ["error": "\(error)"])
            return await self.tickPhases(now: now, round: round)
        }
        for site in sites {
            do {
                for program in try await self.repository.dueSchedules(at: site) {
                    try await self.apply(program, now: now, to: &round)
                }
            } catch {
                // Cancelled (the server stops): not a store failure.
                if Task.isCancelled { return round }
                self.metrics.storeError()
                self.logger.warning(
                    "irrigation scheduler: round failed for a site",
                    metadata: ["site": "\(site.siteID)", "error": "\(error)"]
                )
            }
        }
        return await self.tickPhases(now: now, round: round)
    }

    private func apply(_ program: ScheduledProgram, now: Date, to round: inout Round) async throws {
        let plan: ScheduleFirePlan
        do {
            plan = try ScheduleFirePlan.make(
                for: program.schedule,
                since: program.since,
                now: now,
                grace: Self.seconds(self.configuration.grace)
            )
        } catch {
            // A stored zone this machine's tz database does not know: logged, the schedule waits.
            self.logger.error(
                "irrigation scheduler: cannot plan schedule",
                metadata: ["schedule": "\(program.schedule.id)", "error": "\(error)"]
            )
            return
        }
        if let next = plan.next { round.nextFire = round.nextFire.map { min($0, next) } ?? next }
        let skipped = try await self.repository.recordSkipped(
            plan.skip,
            of: program,
            instance: self.configuration.instance,
            now: now
        )
        if !skipped.isEmpty {
            round.skipped += skipped.count
            self.metrics.firesSkipped(skipped.count)
            self.logger.notice(
                "irrigation scheduler: missed fires skipped (older than the grace period)",
                metadata: [
                    "schedule": "\(program.schedule.id)", "site": "\(program.site.siteID)",
                    "count": "\(skipped.count)", "latest": "\(skipped[skipped.count - 1])",
                ]
            )
        }
        guard let fire = plan.run else { return }
        guard try await self.repository.claim(fire, of: program, instance: self.configuration.instance, now: now)
        else {
            round.decidedElsewhere += 1
            return
        }
        let outcome = await self.start(
            program,
            audit: Self.auditContext(program, fire: fire),
            metadata: ["fire_at": "\(fire)"]
        )
        // Counted before it is stored: a run that started is counted even if recording it fails (the fire then
        // stays `claimed`, which still keeps every instance from starting it again).
        if case .started = outcome {
            round.started += 1
            self.metrics.fireStarted()
        } else {
            round.failed += 1
            self.metrics.fireFailed()
        }
        try await self.repository.finish(fire, of: program, outcome: outcome, now: self.clock.now())
    }

    /// The roles that may start a run: StartRun's (`IrrigationService.runners`), re-checked at every fire.
    static var startRoles: Set<String> { Set(IrrigationService.runners.map(\.rawValue)) }

    /// Calls StartRun for a claimed fire (of a time or a phase schedule) on behalf of the schedule's owner; any
    /// failure becomes the fire's outcome.
    func start(
        _ program: ScheduledProgram,
        audit: AuditContext,
        metadata fireMetadata: Logger.Metadata
    ) async -> ScheduleFire.Outcome {
        let metadata = fireMetadata.merging(
            ["schedule": "\(program.schedule.id)", "site": "\(program.site.siteID)"]
        ) { $1 }
        guard let scope = program.ownerScope else {
            let error = "SCHEDULE_OWNER_INACTIVE: the schedule's owner is unknown, disabled or no longer at the site"
            self.logger.error(
                "irrigation scheduler: fire not started",
                metadata: metadata.merging(["error": "\(error)"]) { $1 }
            )
            return .failed(error: error)
        }
        guard scope.roles.contains(where: { Self.startRoles.contains($0) }) else {
            let error =
                "SCHEDULE_OWNER_NOT_AUTHORIZED: the schedule's owner no longer holds a role that may start runs ("
                + Self.startRoles.sorted().joined(separator: ", ") + ")"
            self.logger.error(
                "irrigation scheduler: fire not started",
                metadata: metadata.merging(["error": "\(error)"]) { $1 }
            )
            return .failed(error: error)
        }
        do {
            let run = try await self.runControl.startRun(
                programID: program.schedule.programID,
                manualApproval: false,
                in: scope,
                audit: audit
            )
            self.logger.info(
                "irrigation scheduler: program started",
                metadata: metadata.merging(["run": "\(run.id)", "status": "\(run.status)"]) { $1 }
            )
            return .started(runID: run.id)
        } catch {
            self.logger.error(
                "irrigation scheduler: StartRun failed",
                metadata: metadata.merging(["error": "\(error)"]) { $1 }
            )
            return .failed(error: "\(error)")
        }
    }

    /// What StartRun's audit row carries: a request id naming the scheduler, the schedule and the fire (also an
    /// idempotency key, should the engine honour one), and a note saying the scheduler started it.
    static func auditContext(_ program: ScheduledProgram, fire: Date) -> AuditContext {
        let schedule = program.schedule.id.uuidString.lowercased()
        let seconds = Int64(fire.timeIntervalSince1970.rounded())
        return AuditContext(
            requestID: "irrigation-scheduler:\(schedule):\(seconds)",
            note: "started by the irrigation scheduler: schedule \(schedule), fire at \(fire.formatted(.iso8601))"
        )
    }
}
