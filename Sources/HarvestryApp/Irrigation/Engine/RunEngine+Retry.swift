import Domain
import Foundation
import Logging

extension RunEngine {
    /// FRP-06's "auto-retry when level restored": a run the tank stopped after it had started is followed by its
    /// retry (`IrrigationRun.tankLowRetry`: the same program from the interrupted step, Queued), readied at once like
    /// a start, so it waits `TANK_LOW` (retried every pass) and waters once the level is back. The retry's id derives
    /// from the aborted run's, so a second attempt (another path, another instance) fails on the id and nothing is
    /// created twice. Failures are logged; a retry created but not readied is readied by the next pass.
    func retryAfterTankLow(_ aborted: IrrigationRun, in scope: AccessScope) async {
        guard let retry = aborted.tankLowRetry(at: self.now()) else { return }
        let metadata: Logger.Metadata = [
            "run": "\(aborted.id.uuidString.lowercased())", "retry": "\(retry.id.uuidString.lowercased())",
        ]
        let created: IrrigationRun
        do {
            created = try await self.repository.createRun(retry, commands: [], in: scope, audit: .none)
        } catch {
            self.metrics.error()
            self.logger.error("cannot queue the tank-low retry: \(error)", metadata: metadata)
            return
        }
        self.broadcaster.publish(created)
        self.logger.info(
            "run stopped by a low tank: retry queued, it waters once the level is restored",
            metadata: metadata
        )
        do {
            let progression = try await self.progression(for: created, in: scope)
            let details = ["retry_of": aborted.id.uuidString.lowercased()]
            try await self.advance(created.id, with: progression, in: scope, audit: .none) { run, p in
                guard run.status == .queued else { return nil }
                return try p.apply([.readyForStep(run.currentStep)], to: run, auditDetails: details)
            }
        } catch {
            self.metrics.error()
            self.logger.error(
                "tank-low retry queued, its first step failed; the pass retries it: \(error)",
                metadata: metadata
            )
        }
    }
}
