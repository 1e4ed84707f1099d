import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension DatabaseSuites.RunEngineSafetyTests {
    @Test(
        "a valve whose close is still in flight keeps its slot: the next run opens it only once the close is EXECUTED"
    )
    func closeInFlightKeepsTheSlot() async throws {
        try await RunEngineFixture.with { f in
            let first = try await f.start()
            f.clock.advance(1)
            try await f.ack(try #require(try await f.commands(first.id).first))
            f.clock.advance(60)
            try await f.controllerReports()
            await f.tick()
            let close = try #require(try await f.commands(first.id).last)
            #expect(close.action == .close && close.status == .queued)

            // The device has not closed zone 0 yet: a second run on it must wait, not open it beside the close.
            let second = try await f.start()
            #expect(second.status == .queued)
            #expect(second.blockReason == .concurrencyCap)
            #expect(try await f.commands(second.id).isEmpty)

            f.clock.advance(1)
            try await f.ack(close)
            try await f.controllerReports()
            await f.tick()
            let started = try await f.run(second.id)
            #expect(
                started.status == .running,
                "the second run is \(started.status), \(String(describing: started.blockReason))"
            )
            #expect(try await f.commands(second.id).map(\.action) == [.open])
        }
    }
}
