import Domain
import Foundation
import Simulator
import Store
import Testing

/// The rows about the inputs themselves: a required stream going quiet, and the tank running low mid-run.
extension IrrigationInterlockEndToEndTests {
    @Test("a required stream goes quiet: the watering run aborts (STALE_READING), a new start waits until it reports")
    func staleRequiredStreamStopsActuation() async throws {
        let setup = F.veg
        let sensor = try #require(PilotSeed.devices.first { $0.code == "EC-001" }).id
        let records = try await F.with { f in
            let stream = try await f.registerStream("EC-001", "ec", unit: "mS/cm")
            try await f.setSource(.stream(stream), for: .ec, setup)
            // Only the EC stream is required, stale after 3 s (the controller's state heartbeat is 15 s).
            try await f.editSettings {
                $0.policy.requiredInputs = [.ec]
                $0.policy.staleAfter = 3
                $0.policy.ecBounds = 0.1...19
            }
            let fresh = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.latestReading(stream).map { $0.age < 2 } ?? false
            }
            try #require(fresh, "no fresh EC reading was stored")
            let program = try await f.program(setup, "e2e stale", steps: [("VLV-001", 30)], maxRuntime: 60)
            let run = try await f.start(program: program)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")

            await f.inject(.dropout(stream: "ec"), on: sensor)
            let aborted = try await f.waitForRun(run.id, timeout: .seconds(20)) { $0.status.isFinished }
            #expect(aborted.status == .aborted)
            #expect(aborted.abortCause == .interlock(.staleReading), "\(String(describing: aborted.abortCause))")
            #expect(try await f.events(run: run.id) == ["ABORTED STALE_READING"])
            let audits = try await f.audits(run: run.id)
            #expect(audits.contains("irrigation_run.alert STALE_READING"), "audit: \(audits)")
            #expect(audits.contains("interlock.aborted STALE_READING"), "audit: \(audits)")

            // Still quiet: a new start issues nothing and waits.
            let next = try await f.start(setup)
            #expect(next.status == .queued)
            #expect(next.blockReason == .staleReading)
            #expect(try await f.events(run: next.id) == ["BLOCKED STALE_READING"])
            try await Task.sleep(for: .seconds(1))
            #expect(try await f.commands(run: next.id).isEmpty)
            #expect(try await f.run(next.id).status == .queued)

            // The stream reports again: the held run starts by itself and completes.
            await f.inject(.restore, on: sensor)
            let done = try await f.waitForRun(next.id, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
            try await f.setSource(nil, for: .ec, setup)
        }
        #expect(
            F.switches(records, setup) == [
                "VLV-001 on", "VLV-001 off", "VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off",
            ]
        )
    }

    @Test(
        "tank low while watering: Aborted (TANK_LOW, alert, no latch); its retry waits and, refilled, waters the rest"
    )
    func tankLowDuringARunAbortsAndRetries() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            let program = try await f.program(
                setup,
                "e2e tank",
                steps: [("VLV-001", 2), ("VLV-002", 5)],
                maxRuntime: 60
            )
            let run = try await f.start(program: program)
            let watering = try await f.waitForRun(run.id, timeout: .seconds(20)) {
                ($0.currentStep == 1 && $0.steps[1].status == .watering) || $0.status.isFinished
            }
            try #require(watering.steps[1].status == .watering, "step 1 is \(watering.steps[1].status)")

            await f.inject(.tankLow, on: setup.controllerID)
            let aborted = try await f.waitForRun(run.id, timeout: .seconds(20)) { $0.status.isFinished }
            #expect(aborted.status == .aborted)
            #expect(aborted.abortCause == .interlock(.tankLow), "\(String(describing: aborted.abortCause))")
            #expect(aborted.unconfirmedZones.isEmpty)
            #expect(try await f.events(run: run.id) == ["ABORTED TANK_LOW"])
            let audits = try await f.audits(run: run.id)
            #expect(audits.contains("irrigation_run.alert TANK_LOW"), "audit: \(audits)")
            #expect(audits.contains("interlock.aborted TANK_LOW"), "audit: \(audits)")

            // The automatic retry: the same program from the interrupted step, held while the tank is low.
            let retryID = IrrigationRun.retryID(of: run.id)
            let queued = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                (try? await f.run(retryID))?.blockReason == .tankLow
            }
            try #require(queued, "no retry held TANK_LOW")
            let held = try await f.run(retryID)
            #expect(held.status == .queued && held.programID == program.id && held.currentStep == 1)
            #expect(held.steps[0].status == .done)
            #expect(try await f.events(run: retryID) == ["BLOCKED TANK_LOW"])
            #expect(try await f.audits(run: retryID).contains("interlock.blocked TANK_LOW"))
            try await Task.sleep(for: .seconds(1))
            #expect(try await f.commands(run: retryID).isEmpty)

            await f.inject(.restore, on: setup.controllerID)
            let done = try await f.waitForRun(retryID, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the retry is \(done.status), \(String(describing: done.abortCause))")
            #expect(try await f.commands(run: retryID) == ["open VLV-002 EXECUTED", "close VLV-002 EXECUTED"])
            let runs = try await f.base.database.owner.query(
                "SELECT count(*) AS n FROM irrigation_runs WHERE program_id = $1::uuid",
                [SQLValue(program.id)]
            )
            #expect(try runs[0].decode("n", as: Int.self) == 2, "one run and one retry")
        }
        #expect(
            F.switches(records, setup) == [
                "VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off", "VLV-002 on", "VLV-002 off",
            ]
        )
    }
}
