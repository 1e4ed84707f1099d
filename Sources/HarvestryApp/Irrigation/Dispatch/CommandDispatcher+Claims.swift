import Bus
import Domain
import Foundation
import Logging
import Store

extension CommandDispatcher {
    /// Until stopped: sweep expiries when one is due, claim (while the broker is connected), hand the claimed
    /// commands to the publisher, report what finished, then sleep until the next NOTIFY, deadline or poll.
    func claimLoop(
        _ link: DispatchLink,
        lanes: PublishLanes,
        publish: AsyncStream<PublishLanes.DeviceKey>.Continuation
    ) async {
        var sweepDue = true
        while !link.stopped && !Task.isCancelled {
            let wait: Duration
            do {
                wait = try await self.dispatchOnce(
                    link,
                    sweep: sweepDue,
                    lanes: lanes,
                    publish: publish,
                    sweepNext: &sweepDue
                )
            } catch {
                self.logger.warning("command dispatch failed; retrying", metadata: ["error": "\(error)"])
                sweepDue = true
                wait = self.configuration.fallbackPoll
            }
            if wait > .zero { await link.wakeup.wait(until: .now + wait) }
        }
    }

    /// One round; returns how long to sleep before the next.
    private func dispatchOnce(
        _ link: DispatchLink,
        sweep: Bool,
        lanes: PublishLanes,
        publish: AsyncStream<PublishLanes.DeviceKey>.Continuation,
        sweepNext: inout Bool
    ) async throws -> Duration {
        if sweep {
            await self.settle(try await self.outbox.expireCommands(now: self.now()))
        }
        var worked = false
        // Claim only as many as there are free publish credits: a slow broker holds claimed commands back to at most
        // `concurrency`, and the rest stay in the outbox (where they expire rather than fire late).
        let free = lanes.free
        if link.connected && free > 0 {
            let claim = try await self.outbox.claimDueCommands(
                limit: min(self.configuration.claimLimit, free),
                now: self.now()
            )
            let claimed = self.now()
            for stored in claim.publish { self.metrics.reached(.claimed, createdAt: stored.command.createdAt, now: claimed) }
            await self.settle(claim.finished)
            for device in lanes.enqueue(claim.publish) { publish.yield(device) }
            worked = !claim.publish.isEmpty || !claim.finished.isEmpty
            // Busy: claim again at once; the deadlines are looked up (for the sweep) at most every 100 ms meanwhile.
            if worked, let checked = link.dueCheckedAt, ContinuousClock.now - checked < .milliseconds(100) {
                sweepNext = false
                return .zero
            }
        }
        link.dueCheckedAt = .now
        let due = try await self.outbox.nextCommandDue()
        let now = self.now()
        sweepNext = due.nextExpiry.map { $0 <= now } ?? false
        if worked { return .zero }
        // Expiries still due right after a sweep are rows another instance holds: look again a little later.
        if sweepNext { return sweep ? .milliseconds(5) : .zero }
        var next = self.configuration.fallbackPoll
        // No free credit: a finishing publish wakes the loop (`link.wakeup`), so due rows need no early look.
        if link.connected, lanes.free > 0, let attempt = due.nextAttempt {
            // A due row another instance holds (SKIP LOCKED) would spin the loop: look again a little later.
            next = min(next, max(Self.seconds(attempt.timeIntervalSince(now)), .milliseconds(5)))
        }
        if let expiry = due.nextExpiry {
            next = min(next, max(Self.seconds(expiry.timeIntervalSince(now)), .milliseconds(1)))
        }
        return next
    }

    static func seconds(_ interval: TimeInterval) -> Duration {
        .nanoseconds(Int64((max(0, min(interval, 86_400)) * 1e9).rounded(.up)))
    }

    /// Tells the sink about commands that reached a final status here (TIMEOUT, EXPIRED) and counts them.
    func settle(_ commands: [StoredCommand]) async {
        guard !commands.isEmpty else { return }
        for stored in commands {
            self.metrics.finished(stored.command.status)
            self.logger.debug(
                "command finished without an ack",
                metadata: [
                    "command_id": "\(stored.command.id)", "site": "\(stored.siteID)",
                    "device": "\(stored.command.deviceID)", "status": "\(stored.command.status.rawValue)",
                ]
            )
        }
        await self.report(commands)
    }

    /// Queues settlements for the sink's own task; waits while the queue is full (backpressure, never dropped).
    func report(_ commands: [StoredCommand]) async {
        for stored in commands { await self.settlements.put(stored) }
    }

    /// Publishes what the loop claimed: one task per device with commands in its lane, publishing them one after
    /// another in claim order (awaiting each PUBACK), so a close and an open for one device reach it in the order
    /// they were claimed; different devices publish concurrently, at most `concurrency` commands in flight. A
    /// command already expired is not published (counted; the sweep or the next claim finishes it EXPIRED). A
    /// failure is logged and counted; the command stays SENT and comes back to a claim at its ack deadline.
    func publish(
        _ devices: AsyncStream<PublishLanes.DeviceKey>,
        lanes: PublishLanes,
        link: DispatchLink,
        on client: MQTTClient
    ) async {
        await withDiscardingTaskGroup { group in
            for await device in devices {
                group.addTask {
                    while let stored = lanes.next(device) {
                        await self.publishOne(stored, on: client)
                        lanes.done()
                        link.wakeup.signal()
                    }
                }
            }
        }
    }

    private func publishOne(_ stored: StoredCommand, on client: MQTTClient) async {
        guard self.now() < stored.command.expiresAt else {
            self.metrics.skippedExpired()
            self.logger.info(
                "not publishing an expired command",
                metadata: ["command_id": "\(stored.command.id)", "site": "\(stored.siteID)"]
            )
            return
        }
        do {
            try await client.publish(
                try CommandPayload.bytes(stored),
                to: CommandPayload.topic(stored),
                qos: .atLeastOnce
            )
            self.metrics.publish(succeeded: true)
            self.metrics.reached(.published, createdAt: stored.command.createdAt, now: self.now())
        } catch {
            self.metrics.publish(succeeded: false)
            self.logger.warning(
                "publishing a command failed; its ack deadline brings it back",
                metadata: ["command_id": "\(stored.command.id)", "site": "\(stored.siteID)", "error": "\(error)"]
            )
        }
    }
}
