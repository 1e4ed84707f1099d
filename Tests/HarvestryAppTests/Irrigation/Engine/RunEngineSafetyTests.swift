import Domain
import Foundation
import HarvestryApp
import Store
import Synchronization
import Testing

extension DatabaseSuites {
    /// Safety of the run engine: what an abort does to the run's open commands, starts that must not double.
    @Suite struct RunEngineSafetyTests {
        @Test("an abort expires the run's opens still QUEUED or SENT, in the abort's transaction: never published again")
        func abortExpiresOpens() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try #require(try await f.commands(started.id).first)
                #expect(open.action == .open)
                #expect(open.status == .queued)
                f.clock.advance(1)
                let aborting = try await f.engine.abortRun(
                    started.id,
                    reason: "leak in row 3",
                    deadline: .now,
                    in: f.scope,
                    audit: .none
                )
                #expect(aborting.status == .aborting)
                let commands = try await f.commands(started.id)
                let expired = try #require(commands.first { $0.id == open.id })
                #expect(expired.status == .expired)
                #expect(commands.filter { $0.action == .close }.allSatisfy { $0.status == .queued })
                let finished = try await f.database.owner.query(
                    "SELECT finished_at IS NOT NULL AND next_attempt_at IS NULL AS done FROM device_commands WHERE id = $1::uuid",
                    [SQLValue(open.id)]
                )
                #expect(try finished.first?.decode("done", as: Bool.self) == true)
            }
        }

        @Test("the live runs load Running ones before Queued ones, however old the Queued ones are")
        func runningFirst() async throws {
            try await RunEngineFixture.with { f in
                let running = try await f.start()
                #expect(running.status == .running)
                let queued = try await Self.storedQueued(f, requestedAgo: 3600)
                #expect(queued.status == .queued)
                let live = try await f.irrigation.liveRuns(siteID: f.site, in: f.scope)
                #expect(live.map(\.id) == [running.id, queued.id])
            }
        }

        @Test("an open confirmed after its run finished, its report lost: the next pass still closes the valve")
        func lateOpenAfterFinishClosedByThePass() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try #require(try await f.commands(started.id).first)
                try await f.ack(open, .received)
                f.clock.advance(1)
                _ = try await f.engine.abortRun(started.id, reason: "stop", deadline: .now, in: f.scope, audit: .none)
                for close in try await f.commands(started.id).filter({ $0.action == .close }) {
                    try await f.ack(close)
                }
                #expect(try await f.run(started.id).status == .aborted)
                f.clock.advance(1)
                // The device executes the open late; the dispatcher's report to the engine is lost.
                _ = try await f.irrigation.recordAck(
                    commandID: open.id,
                    siteID: f.site,
                    stage: .executed,
                    reason: nil,
                    at: f.clock.now
                )
                await f.tick()
                let closes = try await f.commands(started.id).filter { $0.action == .close && $0.zoneID == open.zoneID }
                #expect(closes.count == 2, "the late open is closed again")
                await f.tick()
                #expect(try await f.commands(started.id).filter { $0.action == .close }.count == 3, "once only")
            }
        }

        @Test("a Running run whose settings no longer load is aborted once past the program's max runtime")
        func unreadableSettingsStillStopAtMaxRuntime() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                try await f.database.owner.query(
                    "UPDATE irrigation_site_settings SET alarm_delays = '{\"TANK_LOW\": \"soon\"}' WHERE site_id = $1::uuid",
                    [SQLValue(f.site)]
                )
                f.clock.advance(899)
                await f.tick()
                #expect(try await f.run(started.id).status == .running, "899 s of a 900 s max runtime")
                f.clock.advance(1)
                await f.tick()
                let aborting = try await f.run(started.id)
                #expect(aborting.status == .aborting)
                #expect(aborting.abortCause == .interlock(.maxRuntimeExceeded))
                #expect(try await f.commands(started.id).filter { $0.action == .close }.count == 2)
            }
        }

        @Test("a second run whose first zone another live run holds open waits Queued (CONCURRENCY_CAP)")
        func zoneHeldOpenByAnotherRun() async throws {
            try await RunEngineFixture.with { f in
                let first = try await f.start()
                #expect(first.status == .running)
                let second = try await f.start()
                #expect(second.status == .queued)
                #expect(second.blockReason == .concurrencyCap)
                #expect(try await f.commands(second.id).isEmpty)
            }
        }

        @Test("a Queued run that waited its program's max runtime is aborted by the pass, with QUEUE_TIMEOUT")
        func queueTimeout() async throws {
            try await RunEngineFixture.with { f in
                let queued = try await Self.storedQueued(f, requestedAgo: 900)
                await f.tick()
                let aborted = try await f.run(queued.id)
                #expect(aborted.status == .aborted)
                #expect(aborted.abortCause == .interlock(.maxRuntimeExceeded))
                #expect(try await f.alerts(queued.id).contains { $0.contains("QUEUE_TIMEOUT") })
                #expect(try await f.commands(queued.id).isEmpty)
            }
        }

        @Test("StartRun whose first step fails after the run was stored returns it Queued; the pass starts it: one run")
        func startSurvivesAFailedFirstStep() async throws {
            try await RunEngineFixture.with { f in
                let failing = FirstUpdateFails(f.irrigation)
                let engine = RunEngine(repository: f.irrigation, store: failing, now: { f.clock.now })
                let created = try await engine.startRun(
                    programID: f.program.id,
                    manualApproval: false,
                    in: f.scope,
                    audit: .none
                )
                #expect(created.status == .queued)
                await f.tick()
                #expect(try await f.run(created.id).status == .running)
                let runs = try await f.database.owner.query(
                    "SELECT count(*)::int AS n FROM irrigation_runs WHERE program_id = $1::uuid",
                    [SQLValue(f.program.id)]
                )
                #expect(try runs.first?.decode("n", as: Int.self) == 1)
            }
        }

        @Test("alarm-delay state of a run that left Running on another instance is dropped by the next pass")
        func alarmStatePruned() async throws {
            try await RunEngineFixture.with(alarmDelays: [.tankLow: 10]) { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(1)
                try await f.controllerReports(tank: "low")
                await f.tick()
                #expect(f.engine.alarmStateCount == 1, "a delay under way")
                let other = RunEngineFixture.engine(f.irrigation, f.clock)
                _ = try await other.abortRun(started.id, reason: "stop", deadline: .now, in: f.scope, audit: .none)
                await f.tick()
                #expect(f.engine.alarmStateCount == 0)
            }
        }

        /// A Queued run of the fixture's program stored directly, requested `seconds` ago.
        static func storedQueued(_ f: RunEngineFixture, requestedAgo seconds: TimeInterval) async throws -> IrrigationRun {
            let run = IrrigationRun(
                program: f.program,
                requestedBy: f.tenant.adminID,
                requestedAt: f.clock.now.addingTimeInterval(-seconds),
                manualApproval: false
            )
            return try await f.irrigation.createRun(run, commands: [], in: f.scope, audit: .none)
        }
    }
}

/// The Postgres engine store whose first `updateRun` throws (a lost connection after `createRun` committed).
final class FirstUpdateFails: IrrigationEngineStore {
    let base: PostgresIrrigationRepository
    let failed = Mutex(false)

    init(_ base: PostgresIrrigationRepository) { self.base = base }

    func settings(siteID: UUID, in scope: AccessScope) async throws -> IrrigationSiteSettings {
        try await self.base.settings(siteID: siteID, in: scope)
    }

    func saveSettings(_ settings: IrrigationSiteSettings, in scope: AccessScope, audit: AuditContext) async throws {
        try await self.base.saveSettings(settings, in: scope, audit: audit)
    }

    func interlockSources(groupID: UUID, in scope: AccessScope) async throws -> [InterlockInput: InterlockSource] {
        try await self.base.interlockSources(groupID: groupID, in: scope)
    }

    func setInterlockSource(
        _ source: InterlockSource?,
        for input: InterlockInput,
        groupID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws {
        try await self.base.setInterlockSource(source, for: input, groupID: groupID, in: scope, audit: audit)
    }

    func interlockObservations(group: IrrigationGroup, in scope: AccessScope) async throws -> InterlockObservations {
        try await self.base.interlockObservations(group: group, in: scope)
    }

    func engineSites(among sites: Set<UUID>?) async throws -> [EngineSite] {
        try await self.base.engineSites(among: sites)
    }

    func liveRuns(siteID: UUID, in scope: AccessScope) async throws -> [IrrigationRun] {
        try await self.base.liveRuns(siteID: siteID, in: scope)
    }

    func unappliedSettlements(siteID: UUID, in scope: AccessScope) async throws -> [StoredCommand] {
        try await self.base.unappliedSettlements(siteID: siteID, in: scope)
    }

    func updateRun(
        _ runID: UUID,
        settling commandID: UUID?,
        in scope: AccessScope,
        audit: AuditContext,
        _ transform: @Sendable (IrrigationRun, [OpenValve]) throws -> RunChange?
    ) async throws -> IrrigationRun? {
        let first = self.failed.withLock { failed in
            defer { failed = true }
            return !failed
        }
        if first { throw DomainError(code: .unavailable, message: "connection lost", reason: "TEST") }
        return try await self.base.updateRun(runID, settling: commandID, in: scope, audit: audit, transform)
    }
}
