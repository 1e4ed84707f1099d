import Domain
import Foundation
import Testing

@Suite("Device command lifecycle")
struct CommandLifecycleTests {
    let t0 = Fixture.now

    func command(expiresIn: TimeInterval = 30, attempts: Int = 3) -> DeviceCommand {
        DeviceCommand(
            id: Fixture.id(5),
            deviceID: Fixture.id(6),
            zoneID: Fixture.id(1),
            action: .open,
            idempotencyKey: "run-1/step/0/open",
            createdAt: t0,
            expiresAt: t0.addingTimeInterval(expiresIn),
            ackTimeout: 5,
            maxAttempts: attempts
        )
    }

    @Test("QUEUED -> SENT -> RECEIVED -> EXECUTED")
    func happyPath() throws {
        var command = command()
        #expect(
            try command.send(now: t0)
                == .publish(commandID: Fixture.id(5), idempotencyKey: "run-1/step/0/open", attempt: 1)
        )
        #expect(command.acknowledge(.received, now: t0 + 0.1) == .moved(from: .sent, to: .received))
        #expect(command.acknowledge(.executed, now: t0 + 0.2) == .moved(from: .received, to: .executed))
        #expect(command.status == .executed)
        #expect(command.finishedAt == t0 + 0.2)
    }

    @Test("a device may report REJECTED, or EXECUTED without RECEIVED")
    func directResults() throws {
        var rejected = command()
        _ = try rejected.send(now: t0)
        #expect(rejected.acknowledge(.rejected, now: t0 + 1) == .moved(from: .sent, to: .rejected))
        var executed = command()
        _ = try executed.send(now: t0)
        #expect(executed.acknowledge(.executed, now: t0 + 1) == .moved(from: .sent, to: .executed))
    }

    @Test("retries republish with the same idempotency key, then TIMEOUT")
    func retries() throws {
        var command = command(expiresIn: 300, attempts: 3)
        _ = try command.send(now: t0)
        #expect(command.ackDeadline == t0 + 5)
        let second = try command.ackDeadlinePassed(now: t0 + 5)
        let third = try command.ackDeadlinePassed(now: t0 + 10)
        #expect(second == .publish(commandID: Fixture.id(5), idempotencyKey: "run-1/step/0/open", attempt: 2))
        #expect(third == .publish(commandID: Fixture.id(5), idempotencyKey: "run-1/step/0/open", attempt: 3))
        #expect(try command.ackDeadlinePassed(now: t0 + 15) == .moved(from: .sent, to: .timeout))
        #expect(command.attempts == 3)
    }

    @Test("a deadline that has not passed is refused")
    func earlyDeadline() throws {
        var command = command()
        _ = try command.send(now: t0)
        #expect(throws: DomainError.self) { try command.ackDeadlinePassed(now: t0 + 4.9) }
    }

    @Test("RECEIVED without a result times out at its deadline, without a retry")
    func receivedTimesOut() throws {
        var command = command()
        _ = try command.send(now: t0)
        _ = command.acknowledge(.received, now: t0 + 1)
        #expect(command.ackDeadline == t0 + 6)
        #expect(try command.ackDeadlinePassed(now: t0 + 6) == .moved(from: .received, to: .timeout))
    }

    @Test("expiry wins over a late send: nothing is published")
    func expiryBeatsLateSend() throws {
        var command = command(expiresIn: 30)
        #expect(try command.send(now: t0 + 30) == .moved(from: .queued, to: .expired))
        #expect(command.attempts == 0)
    }

    @Test("expiry wins over a retry")
    func expiryBeatsRetry() throws {
        var command = command(expiresIn: 8)
        _ = try command.send(now: t0)
        #expect(
            try command.ackDeadlinePassed(now: t0 + 5)
                == .publish(commandID: Fixture.id(5), idempotencyKey: "run-1/step/0/open", attempt: 2)
        )
        #expect(try command.ackDeadlinePassed(now: t0 + 10) == .moved(from: .sent, to: .expired))
    }

    @Test("queued and sent commands expire; a received one does not, and not before its time")
    func expire() throws {
        var queued = command(expiresIn: 10)
        #expect(throws: DomainError.self) { try queued.expire(now: t0 + 9) }
        #expect(try queued.expire(now: t0 + 10) == .moved(from: .queued, to: .expired))
        var received = command(expiresIn: 10)
        _ = try received.send(now: t0)
        _ = received.acknowledge(.received, now: t0 + 1)
        #expect(throws: DomainError.self) { try received.expire(now: t0 + 11) }
    }

    @Test("illegal transitions are refused naming the status")
    func illegal() throws {
        var command = command()
        _ = try command.send(now: t0)
        let error = try #require(throws: DomainError.self) { try command.send(now: t0 + 1) }
        #expect(error.reason == "ILLEGAL_COMMAND_TRANSITION")
        #expect(error.metadata["status"] == "SENT")
        _ = command.acknowledge(.executed, now: t0 + 2)
        #expect(throws: DomainError.self) { try command.ackDeadlinePassed(now: t0 + 100) }
        #expect(throws: DomainError.self) { try command.expire(now: t0 + 100) }
        var queued = self.command()
        #expect(throws: DomainError.self) { try queued.ackDeadlinePassed(now: t0 + 100) }
    }

    @Test("acks for finished commands and repeated acks are ignored")
    func duplicates() throws {
        var command = command()
        _ = try command.send(now: t0)
        _ = command.acknowledge(.received, now: t0 + 1)
        #expect(command.acknowledge(.received, now: t0 + 2) == .ignored("repeated received"))
        _ = command.acknowledge(.executed, now: t0 + 3)
        for ack in [CommandAck.received, .executed, .rejected] {
            guard case .ignored = command.acknowledge(ack, now: t0 + 4) else {
                Issue.record("\(ack) after EXECUTED was not ignored")
                continue
            }
        }
        #expect(command.status == .executed)
        #expect(command.finishedAt == t0 + 3)
    }

    @Test("a late ack after expiry does not revive the command")
    func lateAckAfterExpiry() throws {
        var command = command(expiresIn: 10)
        _ = try command.send(now: t0)
        _ = try command.expire(now: t0 + 10)
        guard case .ignored = command.acknowledge(.executed, now: t0 + 11) else {
            Issue.record("late ack was applied")
            return
        }
        #expect(command.status == .expired)
    }

    @Test("an ack while still QUEUED proves delivery (published before SENT was recorded)")
    func ackWhileQueued() {
        var command = command()
        #expect(command.acknowledge(.received, now: t0 + 1) == .moved(from: .queued, to: .received))
        #expect(command.ackDeadline == t0 + 6)
    }

    @Test("the book ignores an ack for an unknown command")
    func unknown() throws {
        var book = CommandBook([command()])
        #expect(book.acknowledge(Fixture.id(999), .executed, now: t0) == .ignored("unknown command \(Fixture.id(999))"))
        #expect(book[Fixture.id(5)]?.status == .queued)
        #expect(book.acknowledge(Fixture.id(5), .executed, now: t0) == .moved(from: .queued, to: .executed))
        #expect(book[Fixture.id(5)]?.status == .executed)
    }

    @Test("validation names the field")
    func validation() {
        var bad = command()
        bad.expiresAt = t0
        #expect(throws: DomainError.invalid("command.expires_at", "must be after created_at")) { try bad.validate() }
        bad = command(attempts: 0)
        #expect(throws: DomainError.invalid("command.max_attempts", "must be 1 to 10")) { try bad.validate() }
        bad = command()
        bad.idempotencyKey = " "
        #expect(throws: DomainError.invalid("command.idempotency_key", "must not be empty")) { try bad.validate() }
    }
}
