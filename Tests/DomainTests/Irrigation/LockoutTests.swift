import Domain
import Foundation
import Testing

@Suite("Lockouts: manual re-arm and review")
struct LockoutTests {
    let operatorID = Fixture.id(77)

    @Test("re-arm needs the loop closed and fresh")
    func rearmNeedsClosedLoop() throws {
        var lockouts = [Lockout(reason: .eStopOpen, since: Fixture.now - 60)]
        var snapshot = Fixture.healthy()
        snapshot.eStop = Timed(.open, at: Fixture.now)
        let open = try #require(throws: DomainError.self) {
            try lockouts.clear(.eStopOpen, by: operatorID, note: "checked", snapshot: snapshot, policy: Fixture.policy)
        }
        #expect(open.reason == "REARM_INPUT_NOT_CLOSED")
        snapshot.eStop = Timed(.closed, at: Fixture.now - 120)
        #expect(throws: DomainError.self) {
            try lockouts.clear(.eStopOpen, by: operatorID, note: "checked", snapshot: snapshot, policy: Fixture.policy)
        }
        #expect(lockouts.count == 1)
        snapshot.eStop = Timed(.closed, at: Fixture.now)
        let cleared = try lockouts.clear(
            .eStopOpen,
            by: operatorID,
            note: "checked",
            snapshot: snapshot,
            policy: Fixture.policy
        )
        #expect(cleared.map(\.clearedBy) == [operatorID])
        #expect(lockouts.isEmpty)
    }

    @Test("clearing one lockout leaves the others; a review hold needs a note")
    func clearsOnlyItsReason() throws {
        var lockouts = [
            Lockout(reason: .doorOpen, since: Fixture.now - 60),
            Lockout(reason: .ecOutOfBounds, since: Fixture.now - 30),
        ]
        #expect(throws: DomainError.invalid("note", "must not be empty")) {
            try lockouts.clear(
                .ecOutOfBounds,
                by: operatorID,
                note: " ",
                snapshot: Fixture.healthy(),
                policy: Fixture.policy
            )
        }
        _ = try lockouts.clear(
            .ecOutOfBounds,
            by: operatorID,
            note: "dosing fixed",
            snapshot: Fixture.healthy(),
            policy: Fixture.policy
        )
        #expect(lockouts.map(\.reason) == [.doorOpen])
        let missing = try #require(throws: DomainError.self) {
            try lockouts.clear(.tankLow, by: operatorID, note: "x", snapshot: Fixture.healthy(), policy: Fixture.policy)
        }
        #expect(missing.reason == "LOCKOUT_NOT_FOUND")
    }
}
