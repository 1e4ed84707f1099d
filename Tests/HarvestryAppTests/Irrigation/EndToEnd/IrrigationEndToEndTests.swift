import API
import Domain
import Foundation
import HarvestryApp
import Simulator
import Store
import SwiftProtobuf
import Testing

/// Runs on the pilot site through the whole platform (run engine -> outbox -> dispatcher -> Mosquitto -> the
/// simulator's edge controllers -> acks -> engine; states and readings through MQTTIngest), each judged on the
/// stored run and on the simulator's ground truth. The simulation runs at real speed: the platform uses the wall
/// clock. Steps are the seed's line checks (2 s per zone).
@Suite(.serialized, .appDatabase) struct IrrigationEndToEndTests {
    typealias F = EndToEndFixture

    @Test("the VEG-1 line check runs to Completed: each valve on then off, in order, nothing left on")
    func programRunsToCompleted() async throws {
        let setup = F.veg
        var runID: UUID?
        let records = try await F.with { f in
            let run = try await f.start(setup)
            runID = run.id
            let done = try await f.waitForRun(run.id, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
            #expect(done.steps.allSatisfy { $0.status == .done && $0.openedAt != nil && $0.closedAt != nil })
            #expect(done.startedAt != nil && done.stoppedAt != nil)
        }
        #expect(runID != nil)
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }

    @Test("StartRun over gRPC (IrrigationService on the real engine, the pilot admin's badge) runs to Completed")
    func startThroughIrrigationService() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            try await TestServer.with(f.base.database, runControl: f.engine) { server in
                let session = try await server.login("DGC-1010")
                let site = "sites/\(PilotSeed.siteID.uuidString.lowercased())"
                let started = try await server.irrigation.startRun(
                    .with {
                        $0.parent = site
                        $0.program = "\(site)/irrigationPrograms/\(setup.programID.uuidString.lowercased())"
                        $0.requestID = "e2e-\(UUID().uuidString.lowercased())"
                    },
                    metadata: session.metadata
                )
                #expect(["Queued", "Running"].contains(started.status), "started as \(started.status)")
                let runID = try #require(UUID(uuidString: started.runID))
                let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
                #expect(done.status == .completed, "the run is \(done.status)")
                #expect(done.requestedBy == PilotSeed.people[9].id)
            }
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }

    @Test("AbortRun mid-step: Aborted, the valve off in the truth, nothing switched on afterwards")
    func abortMidStep() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            let run = try await f.start(setup)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")
            let aborted = try await f.engine.abortRun(
                run.id,
                reason: "e2e: abort mid-step",
                deadline: .now + .seconds(20),
                in: F.scope,
                audit: .none
            )
            #expect(aborted.status == .aborted)
            #expect(aborted.unconfirmedZones.isEmpty)
            if case .operatorRequest = aborted.abortCause {} else {
                Issue.record("abort cause \(String(describing: aborted.abortCause))")
            }
            // The step's 2 s would have ended by now: nothing may open after the abort.
            try await Task.sleep(for: .seconds(3))
            #expect(try await f.run(run.id).status == .aborted)
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off"])
    }

    /// A safety loop of the edge controller (its raw value is its state property): the faults that open and close it,
    /// its interlock reason.
    enum Loop: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case estop, door
        var open: DeviceFault { self == .estop ? .estopOpen : .doorOpen }
        var close: DeviceFault { self == .estop ? .estopClosed : .doorClosed }
        var reason: InterlockReason { self == .estop ? .eStopOpen : .doorOpen }
        var testDescription: String { self.rawValue }
    }

    @Test(
        "E-STOP / door open during a run: shut off, latched, starts refused; re-arm once closed, opening nothing",
        arguments: Loop.allCases
    )
    func loopOpenedDuringRun(_ loop: Loop) async throws {
        let setup = F.flower
        let records = try await F.with { f in
            let run = try await f.start(setup)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")
            await f.inject(loop.open, on: setup.controllerID)
            let aborted = try await f.waitForRun(run.id) { $0.status.isFinished }
            #expect(aborted.status == .aborted)
            #expect(aborted.abortCause == .interlock(loop.reason))
            let events = try await f.events(run: run.id)
            #expect(events.contains("SHUT_OFF \(loop.reason.rawValue)"), "events: \(events)")
            #expect(events.contains("LATCHED \(loop.reason.rawValue)"), "events: \(events)")

            // Latched: a new run does not water.
            let second = try await f.start(setup)
            let refused = try await f.waitForRun(second.id, timeout: .seconds(5)) { $0.status.isFinished }
            #expect(refused.status == .aborted, "the second run is \(refused.status)")
            #expect(refused.abortCause == .interlock(loop.reason) || refused.blockReason == loop.reason)
            #expect(refused.steps.allSatisfy { $0.openedAt == nil })

            // Re-arm is refused while the loop reads open ...
            let refusal = await #expect(throws: DomainError.self) {
                try await f.engine.rearm(
                    siteID: PilotSeed.siteID,
                    reason: loop.reason,
                    note: "e2e: loop still open",
                    in: F.scope,
                    audit: .none
                )
            }
            #expect(refusal?.reason == "REARM_INPUT_NOT_CLOSED")
            // ... and accepted once it is closed (and the platform has stored that).
            await f.inject(loop.close, on: setup.controllerID)
            let closed = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.controllerState(setup, loop.rawValue) == "closed"
            }
            try #require(closed, "the closed \(loop) loop was not stored")
            let cleared = try await f.engine.rearm(
                siteID: PilotSeed.siteID,
                reason: loop.reason,
                note: "e2e: loop closed, checked",
                in: F.scope,
                audit: .none
            )
            #expect(cleared.count == 1)
            // Re-arming opens nothing: both runs stay Aborted and no valve switches on (checked on the truth).
            try await Task.sleep(for: .seconds(3))
            #expect(try await f.run(run.id).status == .aborted)
            #expect(try await f.run(second.id).status == .aborted)
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-003 on", "VLV-003 off"])
    }

    @Test("tank low before the start: the run stays Queued (TANK_LOW) and runs once the level is restored")
    func tankLowHoldsTheRunUntilRestored() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            await f.inject(.tankLow, on: setup.controllerID)
            let low = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.controllerState(setup, "tank") == "low"
            }
            try #require(low, "the low tank was not stored")
            let run = try await f.start(setup)
            let held = try await f.waitForRun(run.id, timeout: .seconds(5)) { $0.blockReason == .tankLow }
            #expect(held.status == .queued)
            #expect(held.blockReason == .tankLow)
            // Retried every pass, still held while the tank is low.
            try await Task.sleep(for: .seconds(2))
            let still = try await f.run(run.id)
            #expect(still.status == .queued && still.steps.allSatisfy { $0.openedAt == nil })

            await f.inject(.restore, on: setup.controllerID)
            let done = try await f.waitForRun(run.id, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }

    @Test("a schedule due now starts exactly one run, which completes (scheduler, engine and dispatcher together)")
    func scheduleStartsOneRunThatCompletes() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let now = Date()
            let time = String(
                format: "%02d:%02d",
                utc.component(.hour, from: now),
                utc.component(.minute, from: now)
            )
            let schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: setup.programID,
                    trigger: .timeOfDay(try TimeOfDay.parse(time, field: "time"), days: Set(Weekday.allCases)),
                    timeZoneIdentifier: "UTC",
                    enabled: true
                ),
                in: F.scope,
                audit: .none
            )
            // Made due: this minute's fire counts (fires_after is the insert's now(), after it).
            try await f.base.database.owner.query(
                "UPDATE irrigation_schedules SET fires_after = $2::timestamptz WHERE id = $1::uuid",
                [SQLValue(schedule.id), SQLValue(now.addingTimeInterval(-120))]
            )
            let scheduler = try IrrigationScheduler(
                repository: PostgresScheduleFireRepository(client: f.base.service),
                runControl: f.engine,
                configuration: .init(grace: .seconds(600), pollInterval: .seconds(30), instance: "e2e"),
                logger: DispatchFixture.logger
            )
            _ = await scheduler.tick(now: Date())
            _ = await scheduler.tick(now: Date())
            let runs = try await f.base.database.owner.query(
                "SELECT id FROM irrigation_runs WHERE program_id = $1::uuid AND requested_at >= $2::timestamptz",
                [SQLValue(setup.programID), SQLValue(now.addingTimeInterval(-1))]
            )
            try #require(runs.count == 1, "\(runs.count) runs started")
            let runID: UUID = try runs[0].decode("id")
            let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
            let fires = try await f.base.database.owner.query(
                "SELECT outcome, run_id FROM irrigation_schedule_fires WHERE schedule_id = $1::uuid",
                [SQLValue(schedule.id)]
            )
            #expect(fires.count == 1)
            #expect(try fires.first?.decode("outcome", as: String.self) == "started")
            try await f.base.database.owner.query(
                "UPDATE irrigation_schedules SET enabled = false WHERE id = $1::uuid",
                [SQLValue(schedule.id)]
            )
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }
}
