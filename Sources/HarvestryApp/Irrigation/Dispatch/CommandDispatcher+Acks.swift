import Bus
import Domain
import Foundation
import Logging
import Store

extension CommandDispatcher {
    /// Records every ack that arrives, up to `concurrency` at once (two acks of one command lock the same row, and
    /// the lifecycle ignores a RECEIVED after the result). Nothing a device sends stops the consumer.
    func consumeAcks(_ messages: MQTTMessages) async {
        let credits = MessageCredits(self.configuration.concurrency)
        await withDiscardingTaskGroup { group in
            for await message in messages {
                await credits.acquire()
                group.addTask {
                    defer { credits.release() }
                    await self.handleAck(message)
                }
            }
        }
    }

    func handleAck(_ message: MQTTMessage) async {
        let ack: DeviceAck
        do {
            ack = try DeviceAck.parse(topic: message.topic, payload: message.payload)
        } catch {
            self.refuse(message.topic, field: error.field, error.description)
            return
        }
        let at = self.now()
        let outcome: AckOutcome
        do {
            outcome = try await self.outbox.recordAck(
                commandID: ack.commandID,
                siteID: ack.siteID,
                stage: ack.stage,
                reason: ack.reason,
                at: at
            )
        } catch let error as DomainError {
            let field = error.code == .notFound ? "unknown_command" : (error.metadata["field"] ?? "ack")
            self.refuse(message.topic, field: field, "\(error)")
            return
        } catch {
            // The database is unavailable: the command's ack deadline brings it back (same key), and the device
            // answers a repeated key with its original outcome.
            self.logger.warning(
                "recording an ack failed",
                metadata: ["command_id": "\(ack.commandID)", "error": "\(error)"]
            )
            return
        }
        let command = outcome.command.command
        guard case .moved(_, let to) = outcome.step else {
            self.metrics.ack(ack.stage, enqueueToAck: nil)
            return
        }
        self.metrics.ack(ack.stage, enqueueToAck: at.timeIntervalSince(command.createdAt))
        self.logger.debug(
            "command acknowledged",
            metadata: [
                "command_id": "\(command.id)", "site": "\(ack.siteID)", "device": "\(ack.device)",
                "status": "\(to.rawValue)",
            ]
        )
        if to.isFinished { await self.sink.commandsSettled([outcome.command]) }
    }

    private func refuse(_ topic: String, field: String, _ message: String) {
        self.metrics.badAck(field: field)
        self.logger.warning(
            "ignoring an ack",
            metadata: ["topic": "\(topic.prefix(200))", "field": "\(field)", "error": "\(message.prefix(300))"]
        )
    }
}
