import API
import Bus
import Domain
import Foundation
import HarvestryApp
import MetricsTestKit
import Simulator
import Store
import SwiftProtobuf
import Testing

/// The dispatcher end to end: the outbox in a real Postgres, a real Mosquitto, the simulator's pilot edge
/// controllers as the devices. Valves per test differ, so one test's commands never switch another's valve.
@Suite(.serialized, .appDatabase) struct CommandDispatcherTests {
    static func counter(_ metrics: TestMetrics, _ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
        (try? metrics.expectCounter(label, dimensions).totalValue) ?? 0
    }

    /// Output switches of `device` in the ground truth (call after the fixture closed it).
    static func switches(_ records: [TruthRecord], _ device: UUID) -> [Bool] {
        records.filter { $0.kind == .output && $0.device == device.uuidString.lowercased() }.compactMap(\.on)
    }

    @Test("a command is published, executed by the controller, recorded EXECUTED and the sink is told")
    func enqueuedPublishedExecuted() async throws {
        let sink = RecordingSink()
        let metrics = TestMetrics()
        let ready = ReadyCount()
        let open = DispatchFixture.command("VLV-001", .open)
        let close = DispatchFixture.command("VLV-001", .close)
        let records = try await DispatchFixture.with { f in
            try await withRunning([f.dispatcher(sink: sink, metrics: metrics, ready: ready.increment)], ready: ready) {
                try await f.enqueue([open])
                let opened = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    try await f.status(open.id) == .executed
                }
                let openStatus = try await f.status(open.id)
                #expect(opened, "the open is \(openStatus)")
                try await f.enqueue([close])
                let closed = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    try await f.status(close.id) == .executed && sink.times(close.id) == 1
                }
                let closeStatus = try await f.status(close.id)
                #expect(closed, "the close is \(closeStatus)")
            }
        }
        #expect(sink.commands.map(\.command.id) == [open.id, close.id])
        #expect(sink.commands.allSatisfy { $0.command.status == .executed && $0.siteID == PilotSeed.siteID })
        #expect(Self.counter(metrics, "harvestry_irrigation_commands_published_total") == 2)
        #expect(Self.counter(metrics, "harvestry_irrigation_command_acks_total", [("stage", "executed")]) == 2)
        let latency = try metrics.expectTimer(
            "harvestry_irrigation_command_enqueue_to_ack_seconds",
            [("stage", "executed")]
        )
        #expect(latency.values.count == 2 && latency.values.allSatisfy { $0 > 0 })
        #expect(Self.switches(records, DispatchFixture.valve("VLV-001").device) == [true, false])
    }

    @Test("a redelivered command and repeated or garbage acks never actuate twice nor settle twice")
    func duplicatesNeverActuateTwice() async throws {
        let sink = RecordingSink()
        let metrics = TestMetrics()
        let ready = ReadyCount()
        let open = DispatchFixture.command("VLV-002", .open)
        let records = try await DispatchFixture.with { f in
            try await withRunning([f.dispatcher(sink: sink, metrics: metrics, ready: ready.increment)], ready: ready) {
                try await f.enqueue([open])
                let executed = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    try await f.status(open.id) == .executed && sink.times(open.id) == 1
                }
                #expect(executed)
                let stored = try await f.outbox.command(open.id, in: DispatchFixture.scope)
                let device = open.deviceID.uuidString.lowercased()
                let site = PilotSeed.siteID.uuidString.lowercased()
                let other = try await MQTTClient.connect(
                    .init(host: f.endpoint.host, port: f.endpoint.port, clientID: "dup-\(UInt16.random(in: 0...9999))"),
                    logger: DispatchFixture.logger
                )
                // The broker redelivers the command (same id and key): the controller answers with its first outcome.
                let commandBytes = try CommandPayload.bytes(stored)
                try await other.publish(commandBytes, to: "hv/v1/\(site)/\(device)/cmd")
                try await other.publish(commandBytes, to: "hv/v1/\(site)/\(device)/cmd")
                // A device repeats its ack; garbage and an ack for an unknown command arrive too.
                let ack: [UInt8] = try Harvestry_Telemetry_V1_Ack.with {
                    $0.commandID = open.id.uuidString.lowercased()
                    $0.deviceID = device
                    $0.stage = .executed
                }.serializedBytes()
                try await other.publish(ack, to: "hv/v1/\(site)/\(device)/ack")
                try await other.publish([0xFF, 0x01, 0x02], to: "hv/v1/\(site)/\(device)/ack")
                let unknown: [UInt8] = try Harvestry_Telemetry_V1_Ack.with {
                    $0.commandID = UUID().uuidString.lowercased()
                    $0.deviceID = device
                    $0.stage = .executed
                }.serializedBytes()
                try await other.publish(unknown, to: "hv/v1/\(site)/\(device)/ack")
                let counted = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    Self.counter(metrics, "harvestry_irrigation_command_acks_total", [("stage", "executed")]) >= 4
                        && Self.counter(metrics, "harvestry_irrigation_command_bad_acks_total", [("field", "payload")])
                            == 1
                        && Self.counter(
                            metrics,
                            "harvestry_irrigation_command_bad_acks_total",
                            [("field", "unknown_command")]
                        ) == 1
                }
                #expect(
                    counted,
                    "acks \(Self.counter(metrics, "harvestry_irrigation_command_acks_total", [("stage", "executed")]))"
                )
                await other.disconnect()
                // The consumer is still alive: a later command goes through.
                let close = DispatchFixture.command("VLV-002", .close)
                try await f.enqueue([close])
                let closed = try await DispatchFixture.waitFor(timeout: .seconds(20)) {
                    try await f.status(close.id) == .executed
                }
                #expect(closed)
                #expect(try await f.status(open.id) == .executed)
            }
        }
        #expect(sink.times(open.id) == 1)
        #expect(Self.switches(records, DispatchFixture.valve("VLV-002").device) == [true, false])
        let received = records.filter { $0.kind == .command && $0.commandID == open.id.uuidString.lowercased() }
        #expect(received.count == 3, "the controller saw the command \(received.count) times")
    }
}
