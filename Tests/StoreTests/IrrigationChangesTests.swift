import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    @Test func irrigationGroupsUpdateKeepUsedZonesAndDeleteOnlyWhenUnused() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            // Rename and reverse the valves: both zones stay (the program waters both).
            var reversed = f.group
            reversed.name = "Flower drip (reversed)"
            reversed.valves.reverse()
            let updated = try await f.irrigation.updateGroup(reversed, in: f.scope, audit: .none)
            #expect(updated == reversed)
            #expect(try await f.irrigation.group(f.group.id, in: f.scope) == reversed)

            // Dropping a zone a program step waters is refused, naming the zone; nothing changes.
            var dropped = f.group
            dropped.valves = [f.group.valves[0]]
            let inUse = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateGroup(dropped, in: f.scope, audit: .none)
            }
            #expect(inUse?.reason == "GROUP_ZONE_IN_USE")
            #expect(inUse?.metadata["zone_id"] == f.zones[1].uuidString.lowercased())
            #expect(try await f.irrigation.group(f.group.id, in: f.scope) == reversed)

            // A group with programs cannot go; an unused one can, and is then NOT_FOUND.
            let hasPrograms = await #expect(throws: DomainError.self) {
                try await f.irrigation.deleteGroup(f.group.id, in: f.scope, audit: .none)
            }
            #expect(hasPrograms?.code == .failedPrecondition && hasPrograms?.reason == "GROUP_HAS_PROGRAMS")
            let spare = try await f.irrigation.createGroup(
                IrrigationGroup(siteID: f.site, name: "Spare", valves: [f.group.valves[1]]),
                in: f.scope,
                audit: .none
            )
            var single = spare
            single.valves = [f.group.valves[0]]
            #expect(try await f.irrigation.updateGroup(single, in: f.scope, audit: .none) == single)
            try await f.irrigation.deleteGroup(spare.id, in: f.scope, audit: .none)
            let gone = await #expect(throws: DomainError.self) {
                try await f.irrigation.group(spare.id, in: f.scope)
            }
            #expect(gone?.code == .notFound)
            let audited = try await db.owner.query(
                "SELECT action FROM audit_logs WHERE resource_type = 'irrigation_group' ORDER BY seq"
            )
            #expect(
                try audited.map { try $0.decode("action", as: String.self) }.filter { !$0.hasSuffix("create") } == [
                    "irrigation_group.update", "irrigation_group.update", "irrigation_group.delete",
                ]
            )
            // Another tenant sees neither the group nor a way to change it.
            let other = try await TestTenant.make(in: db)
            let hidden = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateGroup(reversed, in: other.scope, audit: .none)
            }
            #expect(hidden?.code == .notFound)
        }
    }

    @Test func irrigationProgramsUpdateAndDeleteRefuseActiveRunsAndSchedules() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            var changed = f.program
            changed.name = "Evening"
            changed.steps = [ProgramStep(zoneID: f.zones[1], amount: .duration(30))]
            changed.maxRuntime = 600
            #expect(try await f.irrigation.updateProgram(changed, in: f.scope, audit: .none) == changed)
            #expect(try await f.irrigation.program(f.program.id, in: f.scope) == changed)

            // Validated against the stored group: a zone outside it names the step.
            var stray = changed
            stray.steps = [ProgramStep(zoneID: UUID(), amount: .duration(30))]
            let outside = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateProgram(stray, in: f.scope, audit: .none)
            }
            #expect(outside?.violations.first?.field == "steps[0].zone_id")

            // A schedule refers to it: refused until the schedule is deleted.
            let schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: f.program.id,
                    trigger: .timeOfDay(TimeOfDay(hour: 6, minute: 0), days: [.monday]),
                    timeZoneIdentifier: "UTC"
                ),
                in: f.scope,
                audit: .none
            )
            let scheduled = await #expect(throws: DomainError.self) {
                try await f.irrigation.deleteProgram(f.program.id, in: f.scope, audit: .none)
            }
            #expect(scheduled?.reason == "PROGRAM_HAS_SCHEDULES")
            try await f.irrigation.deleteSchedule(schedule.id, in: f.scope, audit: .none)

            // An unfinished run: neither update nor delete; once it has run, delete keeps the history.
            let run = try await f.irrigation.createRun(f.newRun(), commands: [], in: f.scope, audit: .none)
            let active = await #expect(throws: DomainError.self) {
                try await f.irrigation.deleteProgram(f.program.id, in: f.scope, audit: .none)
            }
            #expect(active?.code == .failedPrecondition && active?.reason == "PROGRAM_HAS_ACTIVE_RUN")
            let activeUpdate = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateProgram(changed, in: f.scope, audit: .none)
            }
            #expect(activeUpdate?.reason == "PROGRAM_HAS_ACTIVE_RUN")
            var aborted = run
            _ = try aborted.abort(by: f.tenant.adminID, reason: "test", at: IrrigationFixture.t0)
            #expect(aborted.status == .aborted)
            try await f.irrigation.saveRun(aborted, commands: [], in: f.scope, audit: .none)
            let history = await #expect(throws: DomainError.self) {
                try await f.irrigation.deleteProgram(f.program.id, in: f.scope, audit: .none)
            }
            #expect(history?.reason == "PROGRAM_HAS_RUNS")

            // A program that never ran goes, and is then NOT_FOUND.
            let spare = try await f.irrigation.createProgram(
                IrrigationProgram(
                    groupID: f.group.id,
                    name: "Spare",
                    steps: [ProgramStep(zoneID: f.zones[0], amount: .duration(10))],
                    maxRuntime: 60
                ),
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.deleteProgram(spare.id, in: f.scope, audit: .none)
            let gone = await #expect(throws: DomainError.self) { try await f.irrigation.program(spare.id, in: f.scope) }
            #expect(gone?.code == .notFound)
        }
    }

    @Test func irrigationSchedulesUpdateTheirTriggerAndDelete() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let timed = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: f.program.id,
                    trigger: .timeOfDay(TimeOfDay(hour: 6, minute: 30), days: [.monday, .thursday]),
                    timeZoneIdentifier: "America/Denver"
                ),
                in: f.scope,
                audit: .none
            )
            var phased = timed
            phased.trigger = .batchPhaseChange(toPhase: "flower")
            phased.timeZoneIdentifier = "UTC"
            phased.enabled = false
            #expect(try await f.irrigation.updateSchedule(phased, in: f.scope, audit: .none) == phased)
            var back = phased
            back.trigger = .timeOfDay(TimeOfDay(hour: 23, minute: 59), days: [.sunday])
            #expect(try await f.irrigation.updateSchedule(back, in: f.scope, audit: .none) == back)
            var bad = back
            bad.timeZoneIdentifier = "Mars/Olympus"
            let invalid = await #expect(throws: DomainError.self) {
                try await f.irrigation.updateSchedule(bad, in: f.scope, audit: .none)
            }
            #expect(invalid?.violations.first?.field == "schedule.time_zone")
            try await f.irrigation.deleteSchedule(timed.id, in: f.scope, audit: .none)
            let gone = await #expect(throws: DomainError.self) {
                try await f.irrigation.deleteSchedule(timed.id, in: f.scope, audit: .none)
            }
            #expect(gone?.code == .notFound)
        }
    }

    @Test func irrigationSiteListingsFilterAndPage() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let t0 = IrrigationFixture.t0
            let second = try await f.irrigation.createProgram(
                IrrigationProgram(
                    groupID: f.group.id,
                    name: "Second",
                    steps: [ProgramStep(zoneID: f.zones[0], amount: .duration(10))],
                    maxRuntime: 60
                ),
                in: f.scope,
                audit: .none
            )
            let programs = try await f.irrigation.listPrograms(
                siteID: f.site,
                in: f.scope,
                page: try PageRequest(size: 1)
            )
            let rest = try await f.irrigation.listPrograms(
                siteID: f.site,
                in: f.scope,
                page: try PageRequest(size: 1, token: programs.nextToken)
            )
            #expect(Set(programs.items + rest.items) == [f.program, second] && rest.nextToken == nil)
            let schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: second.id,
                    trigger: .batchPhaseChange(toPhase: "veg"),
                    timeZoneIdentifier: "UTC"
                ),
                in: f.scope,
                audit: .none
            )
            #expect(try await f.irrigation.listSchedules(siteID: f.site, in: f.scope, page: .first).items == [schedule])

            // Runs: by statuses and by program, newest first.
            let queued = try await f.irrigation.createRun(
                f.newRun(),
                commands: [f.command()],
                in: f.scope,
                audit: .none
            )
            var otherRun = IrrigationRun(
                program: second,
                requestedBy: f.tenant.adminID,
                requestedAt: t0.addingTimeInterval(5),
                manualApproval: true
            )
            otherRun = try await f.irrigation.createRun(otherRun, commands: [], in: f.scope, audit: .none)
            func runs(_ filter: RunFilter) async throws -> [UUID] {
                try await f.irrigation.listRuns(siteID: f.site, filter: filter, in: f.scope, page: .first).items.map(
                    \.id
                )
            }
            #expect(try await runs(RunFilter()) == [otherRun.id, queued.id])
            #expect(try await runs(RunFilter(statuses: [.queued])) == [queued.id])
            #expect(try await runs(RunFilter(statuses: [.queued, .awaitingApproval])) == [otherRun.id, queued.id])
            #expect(try await runs(RunFilter(programID: second.id)) == [otherRun.id])
            #expect(try await runs(RunFilter(statuses: [.completed])) == [])

            // Commands: by run and status, newest first, paged.
            let loose = f.command(1)
            try await f.irrigation.saveRun(queued, commands: [loose], in: f.scope, audit: .none)
            let claimed = try await f.irrigation.claimDueCommands(limit: 1, now: t0)
            #expect(claimed.publish.count == 1)
            let all = try await f.irrigation.listCommands(
                siteID: f.site,
                runID: queued.id,
                statuses: [],
                in: f.scope,
                page: try PageRequest(size: 1)
            )
            let next = try await f.irrigation.listCommands(
                siteID: f.site,
                runID: queued.id,
                statuses: [],
                in: f.scope,
                page: try PageRequest(size: 1, token: all.nextToken)
            )
            #expect(all.items.count == 1 && next.items.count == 1 && next.nextToken == nil)
            let sent = try await f.irrigation.listCommands(
                siteID: f.site,
                runID: nil,
                statuses: [.sent],
                in: f.scope,
                page: .first
            )
            #expect(sent.items.map(\.command.id) == claimed.publish.map(\.command.id))
            #expect(sent.items.first?.runID == queued.id)
            let none = try await f.irrigation.listCommands(
                siteID: f.site,
                runID: otherRun.id,
                statuses: [],
                in: f.scope,
                page: .first
            )
            #expect(none.items.isEmpty)

            // Interlock events by site and run; lockouts: LATCHED not followed by CLEARED (same group and reason).
            let estop = InterlockEvent(
                groupID: f.group.id,
                runID: queued.id,
                kind: .latched,
                reason: .eStopOpen,
                at: t0,
                detail: "estop"
            )
            let ec = InterlockEvent(
                groupID: f.group.id,
                runID: nil,
                kind: .latched,
                reason: .ecOutOfBounds,
                at: t0.addingTimeInterval(1),
                detail: "ec 3.9"
            )
            let blocked = InterlockEvent(
                groupID: f.group.id,
                runID: nil,
                kind: .blocked,
                reason: .tankLow,
                at: t0.addingTimeInterval(2),
                detail: "tank 8 %"
            )
            try await f.irrigation.recordInterlockEvents([estop, ec, blocked], in: f.scope, audit: .none)
            let events = try await f.irrigation.listInterlockEvents(
                siteID: f.site,
                runID: nil,
                in: f.scope,
                page: .first
            )
            #expect(events.items.map(\.event) == [blocked, ec, estop])
            #expect(events.items.allSatisfy { $0.siteID == f.site })
            let ofRun = try await f.irrigation.listInterlockEvents(
                siteID: f.site,
                runID: queued.id,
                in: f.scope,
                page: .first
            )
            #expect(ofRun.items.map(\.event) == [estop])
            var lockouts = try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: .first)
            #expect(lockouts.items.map(\.lockout.reason) == [.eStopOpen, .ecOutOfBounds])
            #expect(lockouts.items[0].lockout == Lockout(reason: .eStopOpen, since: t0, runID: queued.id))
            #expect(lockouts.items[0].id == events.items[2].id && lockouts.items[0].groupID == f.group.id)
            let cleared = InterlockEvent(
                groupID: f.group.id,
                runID: nil,
                kind: .cleared,
                reason: .eStopOpen,
                at: t0.addingTimeInterval(3),
                detail: "re-armed",
                actorID: f.tenant.adminID
            )
            try await f.irrigation.recordInterlockEvents([cleared], in: f.scope, audit: .none)
            lockouts = try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: try PageRequest(size: 1))
            #expect(lockouts.items.map(\.lockout.reason) == [.ecOutOfBounds] && lockouts.nextToken == nil)
            // A latch after the clearance is in force again.
            let again = InterlockEvent(
                groupID: f.group.id,
                runID: nil,
                kind: .latched,
                reason: .eStopOpen,
                at: t0.addingTimeInterval(4),
                detail: "estop again"
            )
            try await f.irrigation.recordInterlockEvents([again], in: f.scope, audit: .none)
            let first = try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: try PageRequest(size: 1))
            let page2 = try await f.irrigation.listLockouts(
                siteID: f.site,
                in: f.scope,
                page: try PageRequest(size: 1, token: first.nextToken)
            )
            #expect((first.items + page2.items).map(\.lockout.reason) == [.ecOutOfBounds, .eStopOpen])

            // Another site of the caller's tenant is refused without its scope.
            let outside = await #expect(throws: DomainError.self) {
                try await f.irrigation.listLockouts(siteID: UUID(), in: f.scope, page: .first)
            }
            #expect(outside?.code == .permissionDenied)
        }
    }
}
