import Domain
import Foundation
import Testing

@Suite("Abort saga")
struct AbortSagaTests {
    let t0 = Fixture.now
    var key: String { Fixture.id(500).uuidString.lowercased() }

    func watering() throws -> IrrigationRun {
        var run = IrrigationRun(
            id: Fixture.id(500),
            program: RunProgressTests.program,
            requestedBy: Fixture.id(10),
            requestedAt: t0,
            manualApproval: false
        )
        _ = try run.startStep(.allowed, at: t0)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 1)
        return run
    }

    func queued() -> IrrigationRun {
        IrrigationRun(
            id: Fixture.id(500),
            program: RunProgressTests.program,
            requestedBy: nil,
            requestedAt: t0,
            manualApproval: false
        )
    }

    func close(_ zone: Int, round: Int = 1) -> RunAction {
        let zoneKey = Fixture.id(zone).uuidString.lowercased()
        return .command(.close, zoneID: Fixture.id(zone), idempotencyKey: "\(key)/abort/\(zoneKey)/close/\(round)")
    }

    @Test("an operator abort closes every valve of the run and ends Aborted when all closes are confirmed")
    func operatorAbort() throws {
        var run = try watering()
        #expect(try run.abort(by: Fixture.id(10), reason: "leak", at: t0 + 10) == [close(1), close(2)])
        #expect(run.status == .aborting)
        #expect(
            try run.abort(by: Fixture.id(10), reason: "again", at: t0 + 11).isEmpty,
            "an abort under way is not restarted"
        )
        #expect(run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 12).isEmpty)
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 13) == [
                .finished(.aborted, at: t0 + 13)
            ]
        )
        #expect(run.stoppedAt == t0 + 13)
        #expect(run.abortCause == .operatorRequest(by: Fixture.id(10), reason: "leak"))
        #expect(run.unconfirmedZones.isEmpty)
    }

    @Test("an interlock abort alerts and closes; an E-STOP shut-off the same")
    func interlockAbort() throws {
        var run = try watering()
        let decision = RunDecision.shutOff(reasons: [.eStopOpen], closeZones: [Fixture.id(1)], latch: [])
        #expect(run.interlock(decision, at: t0 + 5) == [.alert("ESTOP_OPEN", zoneID: nil), close(1), close(2)])
        #expect(run.abortCause == .interlock(.eStopOpen))
        #expect(run.interlock(.continue, at: t0 + 6).isEmpty)
    }

    @Test(
        "a close the device does not confirm is compensated: supply shut off, alert, run still ends Aborted",
        arguments: [CommandStatus.timeout, .rejected, .expired]
    )
    func compensation(status: CommandStatus) throws {
        var run = try watering()
        _ = try run.abort(by: Fixture.id(10), reason: "leak", at: t0 + 10)
        #expect(run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 11).isEmpty)
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .close, status: status, at: t0 + 20) == [
                .alert("VALVE_CLOSE_UNCONFIRMED", zoneID: Fixture.id(1)), .shutOffSupply(groupID: Fixture.id(300)),
                .finished(.aborted, at: t0 + 20),
            ]
        )
        #expect(run.unconfirmedZones == [Fixture.id(1)])
    }

    @Test("an open confirmed after the abort began is closed again with a fresh key")
    func lateOpen() throws {
        var run = try watering()
        _ = try run.abort(by: Fixture.id(10), reason: "leak", at: t0 + 10)
        _ = run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 11)
        #expect(
            run.commandSettled(zoneID: Fixture.id(2), action: .open, status: .executed, at: t0 + 12) == [
                close(2, round: 2)
            ]
        )
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 13)
        #expect(run.status == .aborting, "zone 2 must be confirmed closed again")
        #expect(
            run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 14) == [
                .finished(.aborted, at: t0 + 14)
            ]
        )
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .executed, at: t0 + 15) == [
                close(1, round: 2)
            ]
        )
    }

    @Test("an open that times out on an Aborting or finished run is answered like an executed one: closed again")
    func lateOpenTimeout() throws {
        var run = try watering()
        _ = try run.abort(by: Fixture.id(10), reason: "leak", at: t0 + 10)
        _ = run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 11)
        #expect(
            run.commandSettled(zoneID: Fixture.id(2), action: .open, status: .timeout, at: t0 + 12) == [
                close(2, round: 2)
            ]
        )
        #expect(run.commandSettled(zoneID: Fixture.id(2), action: .open, status: .rejected, at: t0 + 12).isEmpty)
        _ = run.commandSettled(zoneID: Fixture.id(1), action: .close, status: .executed, at: t0 + 13)
        _ = run.commandSettled(zoneID: Fixture.id(2), action: .close, status: .executed, at: t0 + 14)
        #expect(run.status == .aborted)
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .timeout, at: t0 + 15) == [
                close(1, round: 2)
            ]
        )
    }

    @Test("a Queued run ends Aborted with QUEUE_TIMEOUT once it waited its limit, not before")
    func queueTimeout() {
        var run = queued()
        #expect(run.queueTimedOut(after: 900, at: t0 + 899).isEmpty)
        #expect(
            run.queueTimedOut(after: 900, at: t0 + 900) == [
                .alert("QUEUE_TIMEOUT", zoneID: nil), .finished(.aborted, at: t0 + 900),
            ]
        )
        #expect(run.abortCause == .interlock(.maxRuntimeExceeded))
    }

    @Test("an open the device does not confirm aborts the run")
    func openNotConfirmed() throws {
        var run = queued()
        _ = try run.startStep(.allowed, at: t0)
        #expect(
            run.commandSettled(zoneID: Fixture.id(1), action: .open, status: .timeout, at: t0 + 15) == [
                close(1), close(2),
            ]
        )
        #expect(run.abortCause == .device(zoneID: Fixture.id(1), status: .timeout))
    }

    @Test("aborting before anything opened ends at once; a later re-arm issues no command")
    func beforeOpen() throws {
        var run = queued()
        #expect(try run.abort(by: Fixture.id(10), reason: "rain", at: t0) == [.finished(.aborted, at: t0)])
        #expect(run.interlock(.continue, at: t0 + 1).isEmpty)
        #expect(throws: DomainError.self) { try run.startStep(.allowed, at: t0 + 2) }
    }
}
