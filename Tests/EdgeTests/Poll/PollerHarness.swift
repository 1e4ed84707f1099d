import Edge
import Fieldbus
import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// Runs a poller until `condition` holds on its health (checked every 50 ms, at most `limit` counted in checks:
/// `pollUntil`), then cancels it and returns the last health. Fails the test when the condition never held.
func runPoller(
    _ poller: Poller,
    limit: Duration = .seconds(30),
    until condition: @escaping @Sendable (PollerHealth) -> Bool
) async throws -> PollerHealth {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await poller.run() }
        _ = await pollUntil(timeout: limit, every: .milliseconds(50)) { condition(poller.health()) }
        group.cancelAll()
        try await group.waitForAll()
        let health = poller.health()
        #expect(condition(health), "the poller never got there: \(health)")
        return health
    }
}

/// Whether `condition` held within `limit` (checked every 20 ms; the limit counted in checks: `pollUntil`).
func waitFor(limit: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
    await pollUntil(timeout: limit, condition)
}

let testDeviceID = UUID(uuidString: "6f1c2b9e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")!

/// A device on the loopback inverter, polling every input register of the Sungrow map fast (the simulator's WiNet-S
/// limits are set to the same interval in these tests).
func inverterDevice(
    port: Int,
    pollInterval: Duration = .milliseconds(300),
    requestGap: Duration = .milliseconds(30),
    responseTimeout: Duration = .milliseconds(300),
    maxBackoff: Duration = .milliseconds(600)
) -> ModbusDeviceConfiguration {
    ModbusDeviceConfiguration(
        name: "inverter",
        deviceId: testDeviceID,
        host: "127.0.0.1",
        port: port,
        points: RegisterMap.sungrow.registers.filter { $0.table == .input }.map {
            ModbusDeviceConfiguration.Point(register: $0, stream: $0.name)
        },
        pollInterval: pollInterval,
        requestGap: requestGap,
        responseTimeout: responseTimeout,
        maxBackoff: maxBackoff
    )
}

func withSimulatedInverter(
    wiNetS: WiNetSLimits? = nil,
    _ body: (SimulatedInverter) async throws -> Void
) async throws {
    let inverter = try SimulatedInverter(
        configuration: try SungrowInverterConfiguration(),
        // Noon on 2026-06-01 UTC: PV, battery and load all non-zero.
        start: SimInstant(secondsSinceEpoch: 1_780_272_000 + 12 * 3600),
        wiNetS: wiNetS,
        logger: Logger(label: "edge-test-inverter")
    )
    do {
        try await body(inverter)
    } catch {
        await inverter.stop()
        throw error
    }
    await inverter.stop()
}
