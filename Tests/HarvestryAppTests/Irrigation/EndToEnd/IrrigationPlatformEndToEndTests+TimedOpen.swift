import Bus
import Domain
import Foundation
import HarvestryApp
import Simulator
import Store
import Testing

extension IrrigationPlatformEndToEndTests {
    @Test("the broker cut while a valve waters: the controller closes it itself after the open's duration_s")
    func brokerCutWhileWateringTheControllerCloses() async throws {
        let setup = F.veg
        var restartedAt = Date.distantFuture
        let records = try await F.with { f in
            let run = try await f.start(setup)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")
            // The platform's close (after the 2 s step) cannot reach the controller while the broker is down.
            await f.base.broker.stop()
            let stoppedAt = ContinuousClock.now
            let commands = try await f.irrigation.listCommands(
                siteID: PilotSeed.siteID,
                runID: run.id,
                statuses: [],
                in: F.scope,
                page: PageRequest(size: 50)
            )
            let open = commands.items.first { $0.command.action == .open }
            #expect(open?.command.durationSeconds == 2 + TimedOpen.marginSeconds)
            // Longer than the step, its margin and the simulator's own schedule: the controller's timer has run out.
            try await Task.sleep(until: stoppedAt + .seconds(2 + TimedOpen.marginSeconds + 4))
            restartedAt = Date()
            try await f.base.broker.start()
            let done = try await f.waitForRun(run.id, timeout: .seconds(60)) { $0.status.isFinished }
            #expect(done.status.isFinished)
        }
        let switches = F.valveSwitches(records, setup)
        #expect(switches.prefix(2).map { "\($0.0) \($0.1 ? "on" : "off")" } == ["VLV-001 on", "VLV-001 off"])
        // The off is the controller's own, while the broker was down (sim time runs with the wall clock).
        let valve = try #require(setup.valves.first { $0.code == "VLV-001" }).id.uuidString.lowercased()
        let off = records.first { $0.kind == .output && $0.device == valve && $0.on == false }
        let offAt = off.map { Date(timeIntervalSince1970: Double($0.simNanos) / 1e9) }
        #expect(
            offAt.map { $0 < restartedAt } == true,
            "VLV-001 off at \(String(describing: offAt)), the broker back at \(restartedAt)"
        )
    }
}
