import Domain
import Foundation
import HarvestryApp
import Store
import Testing

/// Tests of a suite share its database: what one test left behind (a failed test's live run, its extra interlock
/// sources, a lockout) must not act in the next one's fresh simulator.
extension EndToEndFixture {
    /// Before anything runs: the seed's interlock sources only, and every live run of the pilot aborted (its opens
    /// still queued expire in that transaction, so no dispatcher publishes them into the new simulation).
    static func resetBeforeStart(
        _ irrigation: PostgresIrrigationRepository,
        _ engine: RunEngine,
        _ base: DispatchFixture
    )
        async throws
    {
        for setup in PilotSeed.irrigation {
            for input in [InterlockInput.co2Exhaust, .ec, .ph] {
                try await irrigation.setInterlockSource(
                    nil,
                    for: input,
                    groupID: setup.groupID,
                    in: Self.scope,
                    audit: .none
                )
            }
        }
        let live = try await base.database.owner.query(
            """
            SELECT id FROM irrigation_runs WHERE site_id = $1::uuid
                AND status IN ('AwaitingApproval', 'Queued', 'Running') ORDER BY requested_at
            """,
            [SQLValue(PilotSeed.siteID)]
        )
        for row in live {
            _ = try await engine.abortRun(
                try row.decode("id"),
                reason: "e2e: left over by an earlier test",
                deadline: .now,
                in: Self.scope,
                audit: .none
            )
        }
    }

    /// Once the controllers' states are stored: every lockout an earlier test left latched is cleared.
    func clearLeftoverLockouts() async throws {
        for reason in InterlockReason.allCases where Lockout.latches(reason) {
            try await self.clearLockouts(reason)
        }
    }
}
