import Bus
import Domain
import Foundation
import Logging
import Store

extension CommandDispatcher {
    /// Most acks one transaction records.
    static let ackBatchLimit = 500

    /// Records the acks that arrive with a group commit: what arrives while `ackWriters` batches are being written
    /// waits and goes into the next one, so a burst costs few transactions and a lone ack is
    /// written at once. At most `concurrency × 8` acks are held; past that the broker holds the rest. Nothing a
    /// device sends stops the consumer: a bad ack is counted and dropped.
    func consumeAcks(_ messages: MQTTMessages) async {
        let pending = HandoffBuffer<ArrivedAck>(capacity: self.configuration.concurrency * 8)
        let writers = self.configuration.ackWriters
        await withDiscardingTaskGroup { group in
            for _ in 0..<writers {
                group.addTask {
                    while let batch = await pending.take(limit: Self.ackBatchLimit) {
                        await self.record(batch)
                        pending.release(batch.count)
                    }
                }
            }
            for await message in messages {
                switch Result(catching: { try DeviceAck.parse(topic: message.topic, payload: message.payload) }) {
                case .success(let ack):
                    await pending.put(ArrivedAck(ack: ack, at: self.now()))
                case .failure(let error as DeviceAck.Invalid):
                    self.refuse(message.topic, field: error.field, error.description)
                case .failure(let error):
                    self.refuse(message.topic, field: "payload", "\(error)")
                }
            }
            pending.finish()
        }
    }

    func record(_ batch: [ArrivedAck]) async {
        // The topic's device must be the command's: an ack from another device is refused, never applied.
        let batch = batch.filter { arrived in
            let ack = arrived.ack
            guard UUID(uuidString: ack.device) == nil else { return true }
            self.refuse(Self.topic(ack), field: "device_id", "the topic's device is not a device id")
            return false
        }
        guard !batch.isEmpty else { return }
        let at = self.now()
        let outcomes: [AckOutcome?]
        do {
            outcomes = try await self.outbox.recordAcks(
                batch.map {
                    CommandAckInput(
                        commandID: $0.ack.commandID,
                        siteID: $0.ack.siteID,
                        stage: $0.ack.stage,
                        reason: $0.ack.reason,
                        deviceID: UUID(uuidString: $0.ack.device)
                    )
                },
                at: at
            )
        } catch let error as DomainError where error.code == .invalidArgument {
            // One bad reason refuses the batch: record the acks one by one, so only that one is dropped.
            guard batch.count > 1 else {
                self.refuse("ack", field: error.metadata["field"] ?? "ack", "\(error)")
                return
            }
            for ack in batch { await self.record([ack]) }
            return
        } catch {
            // The database is unavailable: the commands' ack deadlines bring them back (same key), and a device
            // answers a repeated key with its original outcome.
            self.logger.warning("recording acks failed", metadata: ["acks": "\(batch.count)", "error": "\(error)"])
            return
        }
        let recorded = self.now()
        var settled: [StoredCommand] = []
        for (arrived, outcome) in zip(batch, outcomes) {
            let ack = arrived.ack
            guard let outcome else {
                self.refuse(Self.topic(ack), field: "unknown_command", "no command \(ack.commandID)")
                continue
            }
            guard UUID(uuidString: ack.device) == outcome.command.command.deviceID else {
                self.refuse(Self.topic(ack), field: "device_id", "command \(ack.commandID) is for another device")
                continue
            }
            guard case .moved(_, let to) = outcome.step else {
                self.metrics.ack(ack.stage, enqueueToAck: nil)
                continue
            }
            let command = outcome.command.command
            self.metrics.ack(ack.stage, enqueueToAck: at.timeIntervalSince(command.createdAt))
            self.logger.debug(
                "command acknowledged",
                metadata: [
                    "command_id": "\(command.id)", "site": "\(ack.siteID)", "device": "\(ack.device)",
                    "status": "\(to.rawValue)",
                ]
            )
            if to.isFinished {
                self.metrics.reached(.ackArrived, createdAt: command.createdAt, now: arrived.at)
                self.metrics.reached(.ackRecorded, createdAt: command.createdAt, now: recorded)
                settled.append(outcome.command)
            }
        }
        await self.report(settled)
    }

    private static func topic(_ ack: DeviceAck) -> String {
        "hv/v1/\(ack.siteID.uuidString.lowercased())/\(ack.device)/ack"
    }

    private func refuse(_ topic: String, field: String, _ message: String) {
        self.metrics.badAck(field: field)
        self.logger.warning(
            "ignoring an ack",
            metadata: ["topic": "\(topic.prefix(200))", "field": "\(field)", "error": "\(message.prefix(300))"]
        )
    }
}

/// A parsed ack and when it was read from the broker (the dispatcher's stage timers).
struct ArrivedAck: Sendable {
    var ack: DeviceAck
    var at: Date
}
