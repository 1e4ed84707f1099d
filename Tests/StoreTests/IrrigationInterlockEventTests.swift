import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    @Test func irrigationInterlockEventsAreLoggedAuditedAndPaged() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let run = try await f.irrigation.createRun(f.newRun(), commands: [], in: f.scope, audit: .none)
            let t0 = IrrigationFixture.t0
            let latched = InterlockEvent(
                groupID: f.group.id,
                runID: run.id,
                kind: .latched,
                reason: .eStopOpen,
                at: t0,
                detail: "ESTOP_OPEN latched: MANUAL_REARM needed"
            )
            let cleared = InterlockEvent(
                groupID: f.group.id,
                runID: run.id,
                kind: .cleared,
                reason: .eStopOpen,
                at: t0.addingTimeInterval(60),
                detail: "loop checked",
                actorID: f.tenant.adminID
            )
            try await f.irrigation.recordInterlockEvents([latched, cleared], in: f.scope, audit: .none)

            let first = try await f.irrigation.listInterlockEvents(
                groupID: f.group.id,
                in: f.scope,
                page: try PageRequest(size: 1)
            )
            #expect(first.items == [cleared])
            let second = try await f.irrigation.listInterlockEvents(
                groupID: f.group.id,
                in: f.scope,
                page: try PageRequest(size: 1, token: first.nextToken)
            )
            #expect(second.items == [latched] && second.nextToken == nil)
            let audited = try await db.owner.query(
                "SELECT action FROM audit_logs WHERE resource_type = 'interlock_event' ORDER BY seq"
            )
            #expect(
                try audited.map { try $0.decode("action", as: String.self) } == [
                    "interlock.latched", "interlock.cleared",
                ]
            )

            // A clearance names its operator, and only a clearance does; nothing of a refused batch is stored.
            var anonymous = cleared
            anonymous.actorID = nil
            let missing = await #expect(throws: DomainError.self) {
                try await f.irrigation.recordInterlockEvents([latched, anonymous], in: f.scope, audit: .none)
            }
            #expect(missing?.violations.first?.field == "events[1].actor_id")
            let unknownGroup = InterlockEvent(
                groupID: UUID(),
                runID: nil,
                kind: .blocked,
                reason: .co2ExhaustLockout,
                at: t0,
                detail: "CO2 exhaust lockout active"
            )
            await #expect(throws: DomainError.self) {
                try await f.irrigation.recordInterlockEvents([latched, unknownGroup], in: f.scope, audit: .none)
            }
            let all = try await f.irrigation.listInterlockEvents(groupID: f.group.id, in: f.scope, page: .first)
            #expect(all.items.count == 2)

            // Runs page newest first.
            var later = f.newRun()
            later.requestedAt = t0.addingTimeInterval(10)
            _ = try await f.irrigation.createRun(later, commands: [], in: f.scope, audit: .none)
            let runs = try await f.irrigation.listRuns(
                siteID: f.site,
                status: .queued,
                in: f.scope,
                page: try PageRequest(size: 1)
            )
            #expect(runs.items.map(\.id) == [later.id])
            let rest = try await f.irrigation.listRuns(
                siteID: f.site,
                status: .queued,
                in: f.scope,
                page: try PageRequest(size: 1, token: runs.nextToken)
            )
            #expect(rest.items.map(\.id) == [run.id] && rest.nextToken == nil)
        }
    }
}
