import Domain
import Foundation
import Testing

@Suite("Controller commands: timed opens, re-arm")
struct IrrigationControllerCommandTests {
    @Test("duration_s: the remaining time rounded up plus the margin, below the controller's max runtime")
    func timedOpenDuration() {
        let margin = TimedOpen.marginSeconds
        #expect(TimedOpen.durationSeconds(remaining: 2) == 2 + margin)
        #expect(TimedOpen.durationSeconds(remaining: 2.1) == 3 + margin)
        #expect(TimedOpen.durationSeconds(remaining: 1_798) == TimedOpen.controllerMaxRuntimeSeconds - 1)
        #expect(TimedOpen.durationSeconds(remaining: 86_400) == TimedOpen.controllerMaxRuntimeSeconds - 1)
        #expect(TimedOpen.durationSeconds(remaining: 0) == nil)
        #expect(TimedOpen.durationSeconds(remaining: -3) == nil)
        #expect(TimedOpen.durationSeconds(remaining: .nan) == nil)
    }

    @Test("a re-arm's key names its group and reason; only E-STOP and door re-arm a controller")
    func rearmKey() throws {
        let group = UUID()
        let key = ControllerRearm.key(group: group, reason: .doorOpen, at: Date(timeIntervalSince1970: 1))
        let parsed = try #require(ControllerRearm.parse(key: key))
        #expect(parsed.groupID == group && parsed.reason == .doorOpen)
        #expect(ControllerRearm.parse(key: "\(UUID())/step/0/open") == nil)
        #expect(ControllerRearm.parse(key: "rearm/\(group)/EC_OUT_OF_BOUNDS/1") == nil)
        #expect(ControllerRearm.input(for: .eStopOpen) == .eStop)
        #expect(ControllerRearm.input(for: .phOutOfBounds) == nil)
    }

    @Test("a re-arm that did not execute latches again; an executed one, or a valve command, does not")
    func relatch() throws {
        let group = UUID()
        let now = Date(timeIntervalSince1970: 1_000)
        var command = DeviceCommand(
            deviceID: UUID(),
            zoneID: UUID(),
            action: .rearm,
            idempotencyKey: ControllerRearm.key(group: group, reason: .eStopOpen, at: now),
            createdAt: now,
            expiresAt: now.addingTimeInterval(30),
            authorizer: "someone"
        )
        try command.validate()
        _ = try command.send(now: now)
        var rejected = command
        _ = rejected.acknowledge(.rejected, now: now.addingTimeInterval(1))
        let stored = StoredCommand(siteID: UUID(), runID: nil, command: rejected, ackReason: "INTERLOCK_ACTIVE")
        let event = try #require(ControllerRearm.relatch(stored))
        #expect(event.kind == .latched && event.reason == .eStopOpen && event.groupID == group)
        #expect(event.detail.contains("REJECTED (INTERLOCK_ACTIVE)"))
        var executed = command
        _ = executed.acknowledge(.executed, now: now.addingTimeInterval(1))
        #expect(ControllerRearm.relatch(StoredCommand(siteID: UUID(), runID: nil, command: executed)) == nil)
        #expect(ControllerRearm.relatch(StoredCommand(siteID: UUID(), runID: nil, command: command)) == nil, "pending")
    }

    @Test("validation: duration only on an open, an authorizer exactly on a re-arm")
    func validation() {
        let now = Date(timeIntervalSince1970: 1_000)
        func command(_ action: ValveAction, duration: Int? = nil, authorizer: String? = nil) -> DeviceCommand {
            DeviceCommand(
                deviceID: UUID(),
                zoneID: UUID(),
                action: action,
                idempotencyKey: "k",
                createdAt: now,
                expiresAt: now.addingTimeInterval(30),
                durationSeconds: duration,
                authorizer: authorizer
            )
        }
        #expect(throws: Never.self) { try command(.open, duration: 7).validate() }
        #expect(throws: DomainError.self) { try command(.close, duration: 7).validate() }
        #expect(throws: DomainError.self) { try command(.open, duration: 0).validate() }
        #expect(throws: DomainError.self) { try command(.rearm).validate() }
        #expect(throws: DomainError.self) { try command(.open, authorizer: "x").validate() }
    }
}
