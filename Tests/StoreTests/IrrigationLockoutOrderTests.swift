import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    /// Clock skew: a LATCHED written after a CLEARED, by an instance whose clock is behind, is in force. Both the
    /// service's ListLockouts and the engine's interlock inputs order by the database's `recorded_at`.
    @Test func irrigationLockoutLatchedAfterAClearanceWinsDespiteAnEarlierClock() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let t0 = IrrigationFixture.t0
            func event(_ kind: InterlockEvent.Kind, at offset: TimeInterval) -> InterlockEvent {
                InterlockEvent(
                    groupID: f.group.id,
                    runID: nil,
                    kind: kind,
                    reason: .eStopOpen,
                    at: t0.addingTimeInterval(offset),
                    detail: kind == .cleared ? "re-armed" : "estop open",
                    actorID: kind == .cleared ? f.tenant.adminID : nil
                )
            }
            try await f.irrigation.recordInterlockEvents([event(.latched, at: 0)], in: f.scope, audit: .none)
            // Cleared by an instance whose clock is ahead; then latched again by one whose clock is behind.
            try await f.irrigation.recordInterlockEvents([event(.cleared, at: 60)], in: f.scope, audit: .none)
            #expect(try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: .first).items.isEmpty)
            #expect(try await f.irrigation.interlockObservations(group: f.group, in: f.scope).lockouts.isEmpty)
            try await f.irrigation.recordInterlockEvents([event(.latched, at: 30)], in: f.scope, audit: .none)

            let listed = try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: .first).items
            #expect(listed.map(\.lockout) == [Lockout(reason: .eStopOpen, since: t0.addingTimeInterval(30))])
            let observed = try await f.irrigation.interlockObservations(group: f.group, in: f.scope)
            #expect(observed.lockouts == [Lockout(reason: .eStopOpen, since: t0.addingTimeInterval(30))])

            // Latched and cleared in one call: the clearance, written last, wins.
            try await f.irrigation.recordInterlockEvents(
                [event(.latched, at: 90), event(.cleared, at: 90)],
                in: f.scope,
                audit: .none
            )
            #expect(try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: .first).items.isEmpty)
            #expect(try await f.irrigation.interlockObservations(group: f.group, in: f.scope).lockouts.isEmpty)
        }
    }
}
