import Fieldbus
import Foundation
import Logging
import Synchronization

/// Polls one device until cancelled: connects (again after a timeout or a broken connection), reads each block
/// under its `PollSchedule`, decodes the points, appends the readings to the spool and records health. No failure
/// ends the loop; only cancellation does.
final class DevicePoller: Sendable {
    let device: ModbusDeviceConfiguration
    let blocks: [ReadBlock]
    let spool: any ReadingSpool
    let health: Mutex<DevicePollHealth>
    /// Kept across `run()`s, so a restarted loop still keeps the gap and the per-block interval.
    private let schedule: Mutex<PollSchedule>
    let logger: Logger

    init(device: ModbusDeviceConfiguration, spool: any ReadingSpool, logger: Logger) {
        self.device = device
        self.blocks = ReadBlock.plan(
            device.points,
            maxRegisters: device.maxBlockRegisters,
            maxGap: device.maxBlockGap
        )
        self.spool = spool
        self.schedule = Mutex(
            PollSchedule(
                pollInterval: device.pollInterval,
                requestGap: device.requestGap,
                maxBackoff: device.maxBackoff
            )
        )
        self.health = Mutex(
            DevicePollHealth(
                name: device.name,
                deviceId: device.platformDeviceId,
                endpoint: "\(device.host):\(device.port) unit \(device.unit)"
            )
        )
        var logger = logger
        logger[metadataKey: "device"] = "\(device.name)"
        logger[metadataKey: "device_id"] = "\(device.platformDeviceId)"
        self.logger = logger
    }

    func run() async {
        let clock = ContinuousClock()
        var schedule = self.schedule.withLock { $0 }
        var client: ModbusClient?
        var failures = 0
        var next = clock.now
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: next)
            } catch {
                break
            }
            let started = clock.now
            let outcome = await self.poll(client: &client, schedule: &schedule, clock: clock)
            self.schedule.withLock { [schedule] in $0 = schedule }
            failures = outcome.transportFailed ? failures + 1 : 0
            await self.deliver(outcome)
            let duration = clock.now - started
            self.health.withLock {
                $0.consecutiveFailures = failures
                $0.lastPollDuration = duration
            }
            if failures == 1 {
                self.logger.info("polling failed; backing off", metadata: ["error": "\(outcome.firstError ?? "")"])
            } else if failures == 0 && outcome.recovered {
                self.logger.info("polling recovered")
            }
            next = started + schedule.delay(afterConsecutiveFailures: failures)
        }
        await client?.close()
    }

    struct Outcome {
        var readings: [EdgeReading] = []
        var complete = true
        var transportFailed = false
        var recovered = false
        var firstError: String?
    }

    /// One pass over the blocks. A timeout or connection error ends the pass and drops the connection (late bytes
    /// must not answer the next request); an exception or a malformed reply skips only its block.
    private func poll(
        client: inout ModbusClient?,
        schedule: inout PollSchedule,
        clock: ContinuousClock
    ) async -> Outcome {
        var outcome = Outcome()
        let timestamp = Date()
        outcome.recovered = self.health.withLock {
            $0.polls += 1
            $0.lastAttempt = timestamp
            return $0.consecutiveFailures > 0
        }
        if client == nil {
            do {
                client = try await ModbusClient(
                    host: self.device.host,
                    port: self.device.port,
                    unit: self.device.unit,
                    responseTimeout: self.device.responseTimeout
                )
            } catch {
                self.record(error, into: &outcome)
                return outcome
            }
        }
        guard let connected = client else { return outcome }
        for (index, block) in self.blocks.enumerated() {
            if let earliest = schedule.earliest(block: index) {
                do {
                    try await clock.sleep(until: earliest)
                } catch {
                    outcome.complete = false
                    return outcome
                }
            }
            do {
                let words = try await Self.read(block, from: connected)
                schedule.ended(block: index, at: clock.now)
                self.decode(block, words: words, timestamp: timestamp, into: &outcome)
            } catch {
                schedule.ended(block: index, at: clock.now)
                self.record(error, into: &outcome)
                if outcome.transportFailed {
                    await connected.close()
                    client = nil
                    return outcome
                }
            }
        }
        if outcome.complete {
            self.health.withLock {
                $0.successfulPolls += 1; $0.lastSuccessfulPoll = timestamp
            }
        }
        return outcome
    }

    private static func read(_ block: ReadBlock, from client: ModbusClient) async throws -> [UInt16] {
        if block.table == .input {
            return try await client.readInputRegisters(address: block.address, count: block.count)
        }
        return try await client.readHoldingRegisters(address: block.address, count: block.count)
    }

    private func decode(_ block: ReadBlock, words: [UInt16], timestamp: Date, into outcome: inout Outcome) {
        var missing: UInt64 = 0
        for slot in block.slots {
            let register = slot.point.register
            let end = slot.offset + register.type.words
            guard end <= words.count, let value = RegisterDecoding.value(of: register, words: words[slot.offset..<end])
            else {
                missing += 1
                continue
            }
            outcome.readings.append(
                EdgeReading(
                    deviceId: self.device.platformDeviceId,
                    stream: slot.point.stream,
                    value: value,
                    unit: register.unit,
                    timestamp: timestamp
                )
            )
        }
        if missing > 0 { self.health.withLock { $0.notAvailable += missing } }
    }

    private func record(_ error: any Error, into outcome: inout Outcome) {
        outcome.complete = false
        let text = "\(error)"
        outcome.firstError = outcome.firstError ?? text
        let code = (error as? ModbusError)?.code
        switch code {
        case .timeout:
            outcome.transportFailed = true
        case .connection, .closed, nil:
            outcome.transportFailed = true
        case .exception, .malformedReply, .invalidArgument:
            break
        }
        self.health.withLock { health in
            health.lastError = text
            switch code {
            case .timeout: health.timeouts += 1
            case .exception: health.exceptions += 1
            case .malformedReply, .invalidArgument: health.malformedReplies += 1
            case .connection, .closed, nil: health.connectionErrors += 1
            }
        }
        self.logger.debug("modbus request failed", metadata: ["error": "\(text)"])
    }

    /// Hands the poll's readings to the spool; a refusal is counted and logged, never fatal.
    private func deliver(_ outcome: Outcome) async {
        guard !outcome.readings.isEmpty else { return }
        do {
            try await self.spool.append(outcome.readings)
            self.health.withLock { $0.readings += UInt64(outcome.readings.count) }
        } catch {
            self.health.withLock {
                $0.spoolErrors += 1
                $0.lastError = "spool: \(error)"
            }
            self.logger.error(
                "spool refused the readings of a poll",
                metadata: ["readings": "\(outcome.readings.count)", "error": "\(error)"]
            )
        }
    }
}
