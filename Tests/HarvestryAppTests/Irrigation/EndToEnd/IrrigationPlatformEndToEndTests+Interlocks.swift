import Domain
import Foundation
import HarvestryApp
import Simulator
import Store
import Testing

extension IrrigationPlatformEndToEndTests {
    @Test(
        "two instances, E-STOP opened mid-run: one shut-off, one latch (not one per instance); re-armed once, the controller too, and the room waters again"
    )
    func twoInstancesTripOnce() async throws {
        let setup = F.flower
        let records = try await F.with(instances: 2) { f in
            let run = try await f.start(setup)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")
            await f.inject(.estopOpen, on: setup.controllerID)
            let aborted = try await f.waitForRun(run.id) { $0.status.isFinished }
            #expect(aborted.status == .aborted)
            #expect(aborted.abortCause == .interlock(.eStopOpen))
            // Both engines watch the run every 200 ms; give the slower one a few passes to (wrongly) act again.
            try await Task.sleep(for: .seconds(1))
            #expect(try await f.events(run: run.id) == ["SHUT_OFF ESTOP_OPEN", "LATCHED ESTOP_OPEN"])
            let audits = try await f.audits(run: run.id)
            #expect(
                audits.filter { $0.hasPrefix("interlock.") } == [
                    "interlock.shut_off ESTOP_OPEN", "interlock.latched ESTOP_OPEN",
                ]
            )
            #expect(audits.filter { $0 == "irrigation_run.alert ESTOP_OPEN" }.count == 1, "audit: \(audits)")

            await f.inject(.estopClosed, on: setup.controllerID)
            let closed = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.controllerState(setup, "estop") == "closed"
            }
            try #require(closed, "the closed loop was not stored")
            let since = Date()
            let cleared = try await f.engines[1].rearm(
                siteID: PilotSeed.siteID,
                reason: .eStopOpen,
                note: "e2e: loop closed, checked",
                in: F.scope,
                audit: .none
            )
            #expect(cleared.count == 1)
            // The re-arm also re-arms the controller (its own latch): one `rearm` command to IRR-FLW-1, authorized
            // by the re-arming user, recorded EXECUTED like any other command.
            let rearmed = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await Self.controllerRearms(f, setup, since: since).contains { $0.hasSuffix(" EXECUTED") }
            }
            let rearms = try await Self.controllerRearms(f, setup, since: since)
            #expect(rearmed, "the controller's re-arm: \(rearms)")
            #expect(rearms == ["\(F.scope.userID.uuidString.lowercased()) EXECUTED"], "re-arms: \(rearms)")
            let next = try await f.start(setup)
            let done = try await f.waitForRun(next.id, timeout: .seconds(40)) { $0.status.isFinished }
            let reasons = try await f.base.database.owner.query(
                "SELECT coalesce(ack_reason, '') AS reason FROM device_commands WHERE run_id = $1::uuid",
                [SQLValue(next.id)]
            ).map { try $0.decode("reason", as: String.self) }
            #expect(
                done.status == .completed,
                "after the re-arm: \(done.status), \(String(describing: done.abortCause)), device: \(reasons)"
            )
        }
        #expect(
            F.switches(records, setup) == [
                "VLV-003 on", "VLV-003 off", "VLV-003 on", "VLV-003 off", "VLV-004 on", "VLV-004 off", "VLV-005 on",
                "VLV-005 off",
            ]
        )
    }

    /// The `rearm` commands sent to the room's controller since about `since`: "authorizer STATUS", oldest first.
    static func controllerRearms(
        _ f: EndToEndFixture,
        _ setup: PilotSeed.RoomIrrigation,
        since: Date
    ) async throws -> [String] {
        try await f.base.database.owner.query(
            """
            SELECT authorizer || ' ' || status AS rearm FROM device_commands
            WHERE action = 'rearm' AND device_id = $1::uuid AND created_at >= $2::timestamptz ORDER BY created_at
            """,
            [SQLValue(setup.controllerID), SQLValue(since.addingTimeInterval(-1))]
        ).map { try $0.decode("rearm", as: String.self) }
    }
}
