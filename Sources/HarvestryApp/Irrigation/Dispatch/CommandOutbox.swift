import Domain
import Foundation
import Store

/// The part of the command outbox the dispatcher drives: `IrrigationRepository`'s command plane plus when to look
/// again. `PostgresIrrigationRepository` is the implementation; tests may wrap it.
public protocol CommandOutbox: Sendable {
    func claimDueCommands(limit: Int, now: Date) async throws -> CommandClaim
    /// Records acks in one transaction; one result per ack, nil for a command the ack's site does not have.
    func recordAcks(_ acks: [CommandAckInput], at: Date) async throws -> [AckOutcome?]
    func expireCommands(now: Date) async throws -> [StoredCommand]
    /// The earliest claim and expiry still ahead (or already due).
    func nextCommandDue() async throws -> CommandOutboxDue
}

extension PostgresIrrigationRepository: CommandOutbox {}
