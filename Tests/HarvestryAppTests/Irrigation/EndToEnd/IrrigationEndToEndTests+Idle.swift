import Domain
import Foundation
import Store
import Testing

/// The input-staleness case: a quiet pilot, idle past the engine's `staleAfter` (60 s), still starts runs, because
/// the simulator's controllers re-publish their state every `ControllerConfig.stateInterval` (15 s). About 75 s of
/// wall time (measured), most of it the idle wait.
extension IrrigationEndToEndTests {
    @Test("idle 70 s, then the VEG-1 line check starts and runs to Completed (no STALE_READING)")
    func aRunAfterSeventySecondsOfQuietCompletes() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            try await Task.sleep(for: .seconds(70))
            let rows = try await f.base.database.owner.query(
                "SELECT extract(epoch FROM now() - reported_at)::float8 AS age FROM device_states "
                    + "WHERE equipment_id = $1::uuid",
                [SQLValue(setup.controllerID)]
            )
            let age: Double = try #require(try rows.first?.decode("age"))
            #expect(age < 30, "the controller's stored state is \(age) s old after 70 s of quiet")
            let run = try await f.start(setup)
            let done = try await f.waitForRun(run.id, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.blockReason))")
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }
}
