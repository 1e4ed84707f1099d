import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension DatabaseSuites.RunEngineTests {
    @Test(
        "tank low mid-step: once Aborted, one retry (from that step) waits TANK_LOW, even if the close is reported twice; refilled, it waters"
    )
    func tankLowRetryIsQueuedOnce() async throws {
        try await RunEngineFixture.with { f in
            let started = try await f.start()
            try await f.ack(try await f.commands(started.id)[0])
            f.clock.advance(5)
            try await f.controllerReports(tank: "low")
            await f.tick()
            #expect(try await f.run(started.id).status == .aborting)
            let retryID = IrrigationRun.retryID(of: started.id)
            var settled: [StoredCommand] = []
            for close in try await f.commands(started.id).filter({ $0.action == .close }) {
                settled.append(try await f.ack(close))
            }
            #expect(try await f.run(started.id).status == .aborted)
            let retry = try await f.run(retryID)
            #expect(retry.status == .queued && retry.blockReason == .tankLow && retry.currentStep == 0)
            #expect(try await f.events(retryID) == ["BLOCKED TANK_LOW"])

            // The same settlements again (another instance, a redelivery) and a pass: still one retry.
            await f.engine.commandsSettled(settled)
            await f.tick()
            let runs = try await f.database.owner.query(
                "SELECT count(*) AS n FROM irrigation_runs WHERE program_id = $1::uuid",
                [SQLValue(f.program.id)]
            )
            #expect(try runs[0].decode("n", as: Int.self) == 2)
            #expect(try await f.commands(retryID).isEmpty)

            f.clock.advance(1)
            try await f.controllerReports(tank: "ok")
            await f.tick()
            #expect(try await f.run(retryID).status == .running)
            #expect(try await f.commands(retryID).map(\.action) == [.open])
        }
    }
}
