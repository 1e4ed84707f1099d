import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension DatabaseSuites {
    /// The run engine against Postgres, the test acting as the device (`recordAck`) and the dispatcher
    /// (`commandsSettled`); time moves only when the test moves the engine's clock.
    @Suite struct RunEngineTests {
        @Test("start -> open queued -> executed -> watering -> duration -> close -> next step ... -> Completed")
        func runCompletes() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                #expect(started.status == .running)
                let updates = try await f.engine.updates(of: started.id, in: f.scope)
                var commands = try await f.commands(started.id)
                #expect(commands.map(\.action) == [.open])
                #expect(commands.first?.deviceID == f.valves[0])
                #expect(commands.first?.status == .queued)
                #expect(commands.first?.expiresAt == f.clock.now.addingTimeInterval(30))
                #expect(commands.first?.ackTimeout == 5)

                f.clock.advance(1)
                try await f.ack(commands[0])
                #expect(try await f.run(started.id).steps[0].status == .watering)
                f.clock.advance(59)
                try await f.controllerReports()
                await f.tick()
                #expect(try await f.commands(started.id).count == 1, "59 s of a 60 s step: no close yet")
                f.clock.advance(1)
                await f.tick()
                commands = try await f.commands(started.id)
                try #require(commands.map(\.action) == [.open, .close])
                try await f.ack(commands[1])
                commands = try await f.commands(started.id)
                try #require(commands.map(\.action) == [.open, .close, .open])
                #expect(commands[2].deviceID == f.valves[1])
                try await f.ack(commands[2])
                f.clock.advance(30)
                try await f.controllerReports()
                await f.tick()
                commands = try await f.commands(started.id)
                try #require(commands.map(\.action) == [.open, .close, .open, .close])
                try await f.ack(commands[3])
                let done = try await f.run(started.id)
                #expect(done.status == .completed)
                #expect(done.stoppedAt == f.clock.now)

                var seen: [RunStatus] = []
                for try await run in updates.prefix(20) { seen.append(run.status) }
                #expect(seen.first == .running && seen.last == .completed)
            }
        }

        @Test("E-STOP opened while watering: shut off, latched, events written, Aborted once the closes are confirmed")
        func eStopShutsOff() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(5)
                try await f.controllerReports(estop: "open")
                await f.tick()
                let aborting = try await f.run(started.id)
                #expect(aborting.status == .aborting)
                #expect(aborting.abortCause == .interlock(.eStopOpen))
                let closes = try await f.commands(started.id).filter { $0.action == .close }
                #expect(Set(closes.map(\.deviceID)) == Set(f.valves))
                #expect(try await f.events(started.id).contains("SHUT_OFF ESTOP_OPEN"))
                #expect(try await f.events(started.id).contains("LATCHED ESTOP_OPEN"))
                let audit = try await f.database.owner.query(
                    "SELECT count(*) AS n FROM audit_logs WHERE action = 'interlock.latched' AND site_id = $1::uuid",
                    [SQLValue(f.site)]
                )
                #expect(try audit[0].decode("n", as: Int.self) == 1)
                await f.tick()
                #expect(try await f.commands(started.id).count == 3, "a second pass issues nothing more")

                try await f.ack(closes[0])
                #expect(try await f.run(started.id).status == .aborting)
                try await f.ack(closes[1])
                let aborted = try await f.run(started.id)
                #expect(aborted.status == .aborted)
                #expect(aborted.unconfirmedZones.isEmpty)

                // Latched: re-arm is refused while the loop reads open, and no run starts.
                let refused = await #expect(throws: DomainError.self) {
                    try await f.engine.rearm(
                        siteID: f.site,
                        reason: .eStopOpen,
                        note: "checked",
                        in: f.scope,
                        audit: .none
                    )
                }
                #expect(refused?.reason == "REARM_INPUT_NOT_CLOSED")
                // A state is stored only if newer than the stored one.
                f.clock.advance(1)
                try await f.controllerReports(estop: "closed")
                let blocked = try await f.start()
                #expect(blocked.status == .aborted, "a latched fault aborts a new run rather than queueing it")
                let cleared = try await f.engine.rearm(
                    siteID: f.site,
                    reason: .eStopOpen,
                    note: "loop checked",
                    in: f.scope,
                    audit: .none
                )
                #expect(cleared.map(\.lockout.reason) == [.eStopOpen])
                #expect(try await f.events(started.id).contains("CLEARED ESTOP_OPEN"))
                #expect(try await f.commands(started.id).count == 3, "re-arming opens nothing")
                #expect(try await f.start().status == .running)
            }
        }

        @Test("tank low while watering, with a 10 s alarm delay: the run goes on for 10 s, then aborts with an alert")
        func tankLowAbortsAfterItsDelay() async throws {
            try await RunEngineFixture.with(alarmDelays: [.tankLow: 10]) { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(1)
                try await f.controllerReports(tank: "low")
                await f.tick()
                f.clock.advance(9)
                await f.tick()
                #expect(try await f.run(started.id).status == .running, "9 s of a 10 s delay")
                f.clock.advance(1)
                await f.tick()
                let aborting = try await f.run(started.id)
                #expect(aborting.status == .aborting)
                #expect(aborting.abortCause == .interlock(.tankLow))
                #expect(try await f.events(started.id) == ["ABORTED TANK_LOW"], "not latched: clears by itself")
                #expect(try await f.alerts(started.id).contains { $0.contains("TANK_LOW") })
                #expect(try await f.commands(started.id).filter { $0.action == .close }.count == 2)
            }
        }

        @Test("EC (a stream) out of bounds while watering: abort, review hold; the override clears it, never reopens")
        func ecReviewHold() async throws {
            try await RunEngineFixture.with(required: [.eStop, .door, .tankLevel, .ec]) { f in
                let stream = try await f.telemetry.createStream(
                    NewSensorStream(siteID: f.site, deviceID: f.controller, key: "feed_ec", type: .ec),
                    in: f.scope,
                    audit: .none
                )
                try await f.irrigation.setInterlockSource(
                    .stream(stream.id),
                    for: .ec,
                    groupID: f.group.id,
                    in: f.scope,
                    audit: .none
                )
                func ec(_ value: Double) async throws {
                    let reading = Reading(streamID: stream.id, siteID: f.site, time: f.clock.now, value: value)
                    _ = try await f.telemetry.ingest([reading], siteID: f.site)
                }
                try await ec(1.8)
                let started = try await f.start()
                #expect(started.status == .running)
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(2)
                try await ec(4.2)
                await f.tick()
                #expect(try await f.run(started.id).abortCause == .interlock(.ecOutOfBounds))
                #expect(try await f.events(started.id) == ["ABORTED EC_OUT_OF_BOUNDS", "LATCHED EC_OUT_OF_BOUNDS"])
                for close in try await f.commands(started.id) where close.action == .close { try await f.ack(close) }
                #expect(try await f.run(started.id).status == .aborted)

                f.clock.advance(1)
                try await ec(1.9)
                #expect(try await f.start().status == .aborted, "held for review even with EC back in bounds")
                let cleared = try await f.engine.rearm(
                    siteID: f.site,
                    reason: .ecOutOfBounds,
                    note: "dosing pump recalibrated",
                    in: f.scope,
                    audit: .none
                )
                #expect(cleared.count == 1)
                #expect(try await f.commands(started.id).count == 3, "the override opens nothing")
                #expect(try await f.start().status == .running)
            }
        }

        @Test("a required input with no fresh reading: Queued with STALE_READING and no command at all")
        func staleReadingNeverOpens() async throws {
            try await RunEngineFixture.with(required: [.eStop, .door, .tankLevel, .ec]) { f in
                let run = try await f.start()
                #expect(run.status == .queued)
                #expect(run.blockReason == .staleReading)
                #expect(try await f.commands(run.id).isEmpty)
                #expect(try await f.events(run.id) == ["BLOCKED STALE_READING"])
                f.clock.advance(1)
                try await f.controllerReports()
                await f.tick()
                #expect(try await f.commands(run.id).isEmpty)
                #expect(try await f.events(run.id) == ["BLOCKED STALE_READING"], "the same reason is logged once")
                // The controller's own inputs go stale too.
                f.clock.advance(61)
                await f.tick()
                #expect(try await f.run(run.id).status == .queued)
                #expect(try await f.commands(run.id).isEmpty)
            }
        }

        @Test("tank low before start: Queued with TANK_LOW; restored, the next pass starts it")
        func tankLowQueuesThenStarts() async throws {
            try await RunEngineFixture.with { f in
                f.clock.advance(1)
                try await f.controllerReports(tank: "low")
                let run = try await f.start()
                #expect(run.status == .queued)
                #expect(run.blockReason == .tankLow)
                #expect(try await f.commands(run.id).isEmpty)
                #expect(try await f.events(run.id) == ["BLOCKED TANK_LOW"])
                f.clock.advance(2)
                await f.tick()
                #expect(try await f.run(run.id).status == .queued)
                try await f.controllerReports(tank: "ok")
                await f.tick()
                let running = try await f.run(run.id)
                #expect(running.status == .running)
                #expect(running.blockReason == nil)
                #expect(try await f.commands(run.id).map(\.action) == [.open])
            }
        }

        @Test("the same settlement reported twice (and again by the reconciling pass) changes nothing")
        func duplicateSettlementIsIgnored() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try await f.commands(started.id)[0]
                f.clock.advance(1)
                let settled = try await f.ack(open)
                let once = try await f.run(started.id)
                #expect(once.steps[0].status == .watering)
                let auditBefore = try await self.auditRows(f, started.id)
                f.clock.advance(3)
                await f.engine.commandsSettled([settled, settled])
                await f.tick()
                #expect(try await f.run(started.id) == once)
                #expect(try await self.auditRows(f, started.id) == auditBefore)
                #expect(try await f.commands(started.id).count == 1)
            }
        }

        @Test("a close that times out during an abort: VALVE_CLOSE_UNCONFIRMED and a supply shut-off alert")
        func closeTimeoutAlerts() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(2)
                let aborting = try await f.engine.abortRun(
                    started.id,
                    reason: "leak in row 3",
                    deadline: .now,
                    in: f.scope,
                    audit: .none
                )
                #expect(aborting.status == .aborting)
                let closes = try await f.commands(started.id).filter { $0.action == .close }
                #expect(closes.count == 2)
                try await f.ack(closes[0])
                // The command plane gives up on the other close (no ack within its attempts).
                try await f.database.owner.query(
                    """
                    UPDATE device_commands SET status = 'TIMEOUT', finished_at = $2::timestamptz, next_attempt_at = NULL
                    WHERE id = $1::uuid
                    """,
                    [SQLValue(closes[1].id), SQLValue(f.clock.now)]
                )
                await f.engine.commandsSettled([try await f.irrigation.command(closes[1].id, in: f.scope)])
                let aborted = try await f.run(started.id)
                #expect(aborted.status == .aborted)
                #expect(aborted.unconfirmedZones == [closes[1].zoneID])
                let alerts = try await f.alerts(started.id)
                #expect(alerts.contains { $0.contains("VALVE_CLOSE_UNCONFIRMED") })
                #expect(alerts.contains { $0.contains("SUPPLY_SHUT_OFF_REQUIRED") })
            }
        }

        @Test("abortRun waits for the closes: it returns Aborted with stoppedAt once the device confirms them")
        func abortWaitsForCloses() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(2)
                let aborted = try await withThrowingTaskGroup(of: IrrigationRun?.self) { group in
                    group.addTask {
                        try await f.engine.abortRun(
                            started.id,
                            reason: "operator stop",
                            deadline: .now + .seconds(20),
                            in: f.scope,
                            audit: .none
                        )
                    }
                    group.addTask {
                        // The device confirms each close once it is in the outbox (bounded: 200 x 50 ms).
                        var confirmed = Set<UUID>()
                        for _ in 0..<200 where confirmed.count < 2 {
                            for close in try await f.commands(started.id) where close.action == .close {
                                if confirmed.insert(close.id).inserted { try await f.ack(close) }
                            }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        return nil
                    }
                    var result: IrrigationRun?
                    for try await value in group { if let value { result = value } }
                    return result
                }
                #expect(aborted?.status == .aborted)
                #expect(aborted?.stoppedAt == f.clock.now)
                #expect(aborted?.abortCause == .operatorRequest(by: f.tenant.adminID, reason: "operator stop"))
            }
        }

        @Test("manual approval: the requester cannot approve; the abort of a queued run ends it at once")
        func approvalByRequesterRefused() async throws {
            try await RunEngineFixture.with(manualApproval: true) { f in
                let run = try await f.start()
                #expect(run.status == .awaitingApproval)
                #expect(try await f.commands(run.id).isEmpty)
                let refused = await #expect(throws: DomainError.self) {
                    try await f.engine.approveRun(run.id, in: f.scope, audit: .none)
                }
                #expect(refused?.reason == "APPROVER_IS_REQUESTER")
                #expect(try await f.run(run.id).status == .awaitingApproval)
                let denied = try await f.engine.denyRun(run.id, reason: "not today", in: f.scope, audit: .none)
                #expect(denied.status == .aborted)
            }
        }

        @Test("a program with a volume step is refused at start, naming the step")
        func volumeStepRefused() async throws {
            try await RunEngineFixture.with { f in
                let program = try await f.irrigation.createProgram(
                    IrrigationProgram(
                        groupID: f.group.id,
                        name: "By volume",
                        steps: [ProgramStep(zoneID: f.zones[0], amount: .volumeLiters(40))],
                        maxRuntime: 600
                    ),
                    in: f.scope,
                    audit: .none
                )
                let refused = await #expect(throws: DomainError.self) {
                    try await f.engine.startRun(programID: program.id, manualApproval: false, in: f.scope, audit: .none)
                }
                #expect(refused?.reason == "VOLUME_STEP_UNSUPPORTED")
                #expect(refused?.metadata["field"] == "steps[0].volume")
            }
        }

        @Test("a run started by the system (a schedule) has no requester, and the engine's actor in its audit rows")
        func systemStartHasNoRequester() async throws {
            try await RunEngineFixture.with { f in
                var system = f.scope
                system.userID = RunEngineConfiguration.engineActor
                let run = try await f.engine.startRun(
                    programID: f.program.id,
                    manualApproval: false,
                    in: system,
                    audit: .none
                )
                #expect(run.requestedBy == nil)
                #expect(run.status == .running)
                let actors = try await f.database.owner.query(
                    "SELECT DISTINCT actor_user_id FROM audit_logs WHERE resource_id = $1",
                    [SQLValue(run.id.uuidString.lowercased())]
                )
                #expect(
                    try actors.map { try $0.decode("actor_user_id", as: UUID.self) } == [
                        RunEngineConfiguration.engineActor
                    ]
                )
            }
        }

        private func auditRows(_ f: RunEngineFixture, _ runID: UUID) async throws -> Int {
            let rows = try await f.database.owner.query(
                "SELECT count(*) AS n FROM audit_logs WHERE resource_id = $1",
                [SQLValue(runID.uuidString.lowercased())]
            )
            return try rows[0].decode("n")
        }
    }
}
