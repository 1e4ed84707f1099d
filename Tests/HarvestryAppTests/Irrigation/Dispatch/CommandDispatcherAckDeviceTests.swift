import API
import Bus
import Domain
import Foundation
import HarvestryApp
import MetricsTestKit
import Simulator
import Store
import SwiftProtobuf
import Synchronization
import Testing

/// An ack counts only from the command's own device (its topic's device is the stored command's deviceID).
@Suite(.serialized, .appDatabase) struct CommandDispatcherAckDeviceTests {
    static func ack(_ command: DeviceCommand, from device: UUID, _ stage: Harvestry_Telemetry_V1_Ack.Stage) throws
        -> (topic: String, bytes: [UInt8])
    {
        let deviceID = device.uuidString.lowercased()
        let bytes: [UInt8] = try Harvestry_Telemetry_V1_Ack.with {
            $0.commandID = command.id.uuidString.lowercased()
            $0.deviceID = deviceID
            $0.stage = stage
        }.serializedBytes()
        return ("hv/v1/\(PilotSeed.siteID.uuidString.lowercased())/\(deviceID)/ack", bytes)
    }

    @Test("an ack from another device's topic is refused with device_id and not applied")
    func ackFromAnotherDeviceIsRefused() async throws {
        let metrics = TestMetrics()
        let ready = ReadyCount()
        let command = DispatchFixture.command("VLV-001", .open)
        // The dispatcher claims nothing: the command stays QUEUED and only this test's acks reach it.
        let outbox = ObservedOutbox(expiring: [], claims: false)
        try await DispatchFixture.with { f in
            outbox.inner.withLock { $0 = f.outbox }
            let dispatcher = CommandDispatcher(
                outbox: outbox,
                database: f.service,
                sink: RecordingSink(),
                configuration: .init(endpoint: f.endpoint, fallbackPoll: .seconds(1)),
                logger: DispatchFixture.logger,
                metrics: CommandDispatchMetrics(factory: metrics),
                onReady: ready.increment
            )
            try await withRunning([dispatcher], ready: ready) {
                try await f.enqueue([command])
                let device = try await MQTTClient.connect(
                    .init(host: f.endpoint.host, port: f.endpoint.port, clientID: "ackdev-\(UInt16.random(in: 0...9999))"),
                    logger: DispatchFixture.logger
                )
                let wrong = try Self.ack(command, from: DispatchFixture.valve("VLV-002").device, .rejected)
                try await device.publish(wrong.bytes, to: wrong.topic)
                let right = try Self.ack(command, from: command.deviceID, .executed)
                try await device.publish(right.bytes, to: right.topic)
                let settled = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    let refused = (try? metrics.expectCounter(
                        "harvestry_irrigation_command_bad_acks_total",
                        [("field", "device_id")]
                    ).totalValue) ?? 0
                    let status = try await f.status(command.id)
                    return refused == 1 && status.isFinished
                }
                await device.disconnect()
                #expect(settled)
                #expect(try await f.status(command.id) == .executed, "the other device's REJECTED was applied")
            }
        }
    }
}
