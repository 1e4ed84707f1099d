import Edge
import Fieldbus
import Foundation
import Logging
import Simulator
import Testing

/// The poller against the simulated Sungrow inverter (a libmodbus server on loopback) behind strict WiNet-S limits:
/// one violation of the request gap or of the per-block poll interval locks it up, and every violation is in its
/// request log (`interventions()`).
@Suite("Poller against the simulated inverter")
struct PollerSimulatorTests {
    /// The dongle's rules at test speed: the poller's 300 ms interval equals the dongle's, its 30 ms gap is above
    /// the dongle's 20 ms (the WiNet-S defaults are 5 s and 30 ms against 5 s and 20 ms).
    static func strictLimits() -> WiNetSLimits {
        WiNetSLimits(
            minimumGap: .milliseconds(20),
            violationsBeforeLockup: 1,
            lockupDuration: .seconds(5),
            blockPollInterval: .milliseconds(300)
        )
    }

    @Test func readingsMatchTheDocumentedMapAndTheLimitsAreKept() async throws {
        try await withSimulatedInverter(wiNetS: Self.strictLimits()) { inverter in
            let spool = MemorySpool()
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: spool,
                logger: Logger(label: "t")
            )
            let health = try await runPoller(poller) { $0.devices[0].successfulPolls >= 4 }
            #expect(inverter.server.interventions().isEmpty, "\(inverter.server.interventions())")
            let device = try #require(health["inverter"])
            #expect(device.errors == 0 && device.lastSuccessfulPoll != nil && device.consecutiveFailures == 0)
            // Two MPPTs are wired: mppt3's voltage and current read "not available" in every poll.
            #expect(device.notAvailable >= 2 * device.successfulPolls && device.notAvailable <= 2 * device.polls)
            let inputRegisters = RegisterMap.sungrow.registers.filter { $0.table == .input }
            // The last complete poll (cancelling the poller may cut one short).
            let polls = Dictionary(grouping: spool.readings, by: \.timestamp)
                .filter { $0.value.count == inputRegisters.count - 2 }
            #expect(polls.count >= 3)
            let readings = try #require(polls.max { $0.key < $1.key }).value
            let expected = inverter.state.physicalValues()
            for register in inputRegisters {
                let reading = readings.first { $0.stream == register.name }
                guard let value = expected[register.name] ?? nil else {
                    #expect(reading == nil, "\(register.name) is not available")
                    continue
                }
                let got = try #require(reading, "\(register.name)")
                #expect(abs(got.value - value) <= register.scale / 2, "\(register.name): \(got.value) vs \(value)")
                #expect(got.unit == register.unit && got.deviceId == testDeviceID.uuidString.lowercased())
            }
            #expect(readings.contains { $0.stream == "total_active_power" && $0.value != 0 })
        }
    }

    /// At full length: the poller's defaults (5 s, 30 ms) against the dongle's (5 s per block, 20 ms), one
    /// violation locking it up. Two polls, so every block is read twice about 5 s apart.
    @Test func theDefaultPacingKeepsTheWiNetSDefaults() async throws {
        try await withSimulatedInverter(wiNetS: WiNetSLimits(violationsBeforeLockup: 1)) { inverter in
            let device = inverterDevice(
                port: inverter.port,
                pollInterval: ModbusDeviceConfiguration.defaultPollInterval,
                requestGap: ModbusDeviceConfiguration.defaultRequestGap,
                responseTimeout: ModbusDeviceConfiguration.defaultResponseTimeout,
                maxBackoff: ModbusDeviceConfiguration.defaultMaxBackoff
            )
            let poller = Poller(devices: [device], spool: MemorySpool(), logger: Logger(label: "t"))
            let health = try await runPoller(poller) { $0.devices[0].successfulPolls >= 2 }
            #expect(health.devices[0].errors == 0)
            #expect(inverter.server.interventions().isEmpty, "\(inverter.server.interventions())")
            // Three reads 30 ms apart at least; what one poll of the whole map costs here.
            let duration = try #require(health.devices[0].lastPollDuration)
            #expect(duration >= .milliseconds(60))
            print("edge poll of the Sungrow input map (3 reads, defaults): \(duration)")
        }
    }

    @Test func aSecondRunWhileOneRunsReturnsAtOnce() async throws {
        try await withSimulatedInverter(wiNetS: Self.strictLimits()) { inverter in
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: MemorySpool(),
                logger: Logger(label: "t")
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await poller.run() }
                let first = try await waitFor { poller.health().devices[0].successfulPolls >= 1 }
                #expect(first)
                // Returns although nobody cancels it; the first run goes on within the limits.
                await poller.run()
                let polls = poller.health().devices[0].successfulPolls
                let more = try await waitFor { poller.health().devices[0].successfulPolls >= polls + 2 }
                #expect(more)
                group.cancelAll()
            }
            #expect(inverter.server.interventions().isEmpty, "\(inverter.server.interventions())")
        }
    }

    @Test func anExceptionSkipsOnlyItsBlockAndIsCounted() async throws {
        try await withSimulatedInverter(wiNetS: Self.strictLimits()) { inverter in
            try inverter.setModbusFault(
                name: "busy",
                effect: .exception(.serverDeviceBusy),
                registers: ["battery_level"]
            )
            let spool = MemorySpool()
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: spool,
                logger: Logger(label: "t")
            )
            let faulted = try await runPoller(poller) { $0.devices[0].exceptions >= 3 }
            let device = faulted.devices[0]
            #expect(device.successfulPolls == 0 && device.consecutiveFailures == 0 && device.timeouts == 0)
            #expect(spool.readings.contains { $0.stream == "total_dc_power" })
            #expect(!spool.readings.contains { $0.stream == "battery_level" || $0.stream == "load_power" })
            inverter.clearModbusFault(name: "busy")
            _ = try await runPoller(poller) { $0.devices[0].successfulPolls >= 1 }
            #expect(spool.readings.contains { $0.stream == "battery_level" })
            #expect(inverter.server.interventions().allSatisfy { $0.cause == "fault busy" })
        }
    }

    @Test func timeoutsBackOffReconnectAndRecoverWithinTheLimits() async throws {
        try await withSimulatedInverter(wiNetS: Self.strictLimits()) { inverter in
            try inverter.setModbusFault(name: "silent", effect: .noReply, remaining: 3)
            let spool = MemorySpool()
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: spool,
                logger: Logger(label: "t")
            )
            let health = try await runPoller(poller) {
                $0.devices[0].timeouts >= 3 && $0.devices[0].successfulPolls >= 2
            }
            let device = health.devices[0]
            #expect(device.timeouts == 3 && device.consecutiveFailures == 0 && device.lastSuccessfulPoll != nil)
            // No pacing violation: only the fault's three silences are in the log.
            #expect(inverter.server.interventions().map(\.cause) == ["fault silent", "fault silent", "fault silent"])
            #expect(spool.readings.contains { $0.stream == "battery_level" })
        }
    }

    @Test func aJunkReplyIsCountedAndTheRestOfThePollIsRead() async throws {
        try await withSimulatedInverter(wiNetS: Self.strictLimits()) { inverter in
            try inverter.setModbusFault(name: "junk", effect: .junkReply, registers: ["work_state"], remaining: 2)
            let spool = MemorySpool()
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: spool,
                logger: Logger(label: "t")
            )
            let health = try await runPoller(poller) { $0.devices[0].successfulPolls >= 1 && $0.devices[0].errors >= 2 }
            let device = health.devices[0]
            // libmodbus reports a junk frame as malformed, or as a timeout when it waits for the rest of it.
            #expect(device.malformedReplies + device.timeouts == 2, "\(device)")
            #expect(spool.readings.contains { $0.stream == "battery_level" })
            #expect(inverter.server.interventions().allSatisfy { $0.cause == "fault junk" })
        }
    }

    @Test func aDeviceThatIsNotThereIsCountedAndBackedOffNeverFatal() async throws {
        var port = 0
        try await withSimulatedInverter { inverter in port = inverter.port }
        let poller = Poller(
            devices: [inverterDevice(port: port, pollInterval: .milliseconds(100), maxBackoff: .milliseconds(400))],
            spool: MemorySpool(),
            logger: Logger(label: "t")
        )
        let health = try await runPoller(poller) { $0.devices[0].connectionErrors >= 4 }
        let device = health.devices[0]
        #expect(device.consecutiveFailures >= 4 && device.lastSuccessfulPoll == nil && device.lastError != nil)
        #expect(device.polls == device.connectionErrors)
    }

    @Test func aSpoolThatRefusesIsCountedAndPollingGoesOn() async throws {
        try await withSimulatedInverter { inverter in
            let poller = Poller(
                devices: [inverterDevice(port: inverter.port)],
                spool: MemorySpool(failing: true),
                logger: Logger(label: "t")
            )
            let health = try await runPoller(poller) { $0.devices[0].spoolErrors >= 3 }
            #expect(health.devices[0].successfulPolls >= 3 && health.devices[0].readings == 0)
            #expect(health.devices[0].lastError?.hasPrefix("spool") == true)
        }
    }
}
