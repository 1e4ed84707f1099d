import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// The dispatcher's store calls: a batch of acks in one transaction, the next due instants, commands enqueued
    /// without a run.
    @Test func irrigationAckBatchesApplyEachAckInOrderAndRefuseOtherSites() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            let t0 = IrrigationFixture.t0
            #expect(try await f.irrigation.nextCommandDue() == CommandOutboxDue())
            let commands = [f.command(0, key: "a"), f.command(1, key: "b"), f.command(0, key: "c")]
            try await f.irrigation.enqueueCommands(commands, siteID: f.site, in: f.scope)
            let due = try await f.irrigation.nextCommandDue()
            #expect(due.nextAttempt == t0 && due.nextExpiry == t0.addingTimeInterval(60))
            let claim = try await f.irrigation.claimDueCommands(limit: 10, now: t0.addingTimeInterval(1))
            #expect(claim.publish.count == 3)
            #expect(try await f.irrigation.nextCommandDue().nextAttempt == t0.addingTimeInterval(6))

            let at = t0.addingTimeInterval(2)
            let outcomes = try await f.irrigation.recordAcks(
                [
                    CommandAckInput(commandID: commands[0].id, siteID: f.site, stage: .received, reason: nil),
                    CommandAckInput(commandID: commands[0].id, siteID: f.site, stage: .executed, reason: nil),
                    CommandAckInput(commandID: commands[0].id, siteID: f.site, stage: .executed, reason: nil),
                    CommandAckInput(commandID: commands[1].id, siteID: f.site, stage: .rejected, reason: "CAP"),
                    // The right command under another site's topic, and a command nobody has.
                    CommandAckInput(commandID: commands[2].id, siteID: other.site, stage: .executed, reason: nil),
                    CommandAckInput(commandID: UUID(), siteID: f.site, stage: .executed, reason: nil),
                ],
                at: at
            )
            #expect(outcomes.count == 6)
            #expect(outcomes[0]?.step == .moved(from: .sent, to: .received))
            #expect(outcomes[1]?.step == .moved(from: .received, to: .executed))
            if case .ignored = outcomes[2]?.step {
            } else {
                Issue.record("a repeated ack moved: \(String(describing: outcomes[2]))")
            }
            #expect(outcomes[3]?.command.command.status == .rejected && outcomes[3]?.command.ackReason == "CAP")
            #expect(outcomes[4] == nil && outcomes[5] == nil)
            #expect(try await f.irrigation.command(commands[0].id, in: f.scope).command.status == .executed)
            #expect(try await f.irrigation.command(commands[1].id, in: f.scope).command.status == .rejected)
            #expect(try await f.irrigation.command(commands[2].id, in: f.scope).command.status == .sent)

            // A reason that is not printable text refuses the whole batch, naming the field.
            let refused = await #expect(throws: DomainError.self) {
                try await f.irrigation.recordAcks(
                    [CommandAckInput(commandID: commands[2].id, siteID: f.site, stage: .executed, reason: "a\u{0}b")],
                    at: at
                )
            }
            #expect(refused?.metadata["field"] == "ack.reason")
            #expect(try await f.irrigation.command(commands[2].id, in: f.scope).command.status == .sent)
        }
    }
}
