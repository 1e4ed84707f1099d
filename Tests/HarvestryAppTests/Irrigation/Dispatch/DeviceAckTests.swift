import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

/// The dispatcher's pure parts: reading an ack from the wire, and a stored command as the device protocol's Command.
struct DeviceAckTests {
    static let site = UUID()
    static let command = UUID()
    static let device = "valve-7"

    static func ack(_ body: (inout Harvestry_Telemetry_V1_Ack) -> Void = { _ in }) -> [UInt8] {
        var ack = Harvestry_Telemetry_V1_Ack.with {
            $0.commandID = Self.command.uuidString.lowercased()
            $0.deviceID = Self.device
            $0.stage = .rejected
            $0.reason = "CONCURRENCY_CAP"
        }
        body(&ack)
        return try! ack.serializedBytes()
    }

    static var topic: String { "hv/v1/\(Self.site.uuidString.lowercased())/\(Self.device)/ack" }

    @Test func aValidAckIsRead() throws {
        let ack = try DeviceAck.parse(topic: Self.topic, payload: Self.ack())
        #expect(
            ack
                == DeviceAck(
                    siteID: Self.site,
                    device: Self.device,
                    commandID: Self.command,
                    stage: .rejected,
                    reason: "CONCURRENCY_CAP"
                )
        )
        let executed = try DeviceAck.parse(
            topic: Self.topic,
            payload: Self.ack {
                $0.stage = .executed; $0.reason = ""
            }
        )
        #expect(executed.stage == .executed && executed.reason == nil)
    }

    @Test(arguments: [
        ("hv/v1/site/\(DeviceAckTests.device)/ack", DeviceAckTests.ack(), "site"),
        ("hv/v1/\(UUID().uuidString)/\(DeviceAckTests.device)/telemetry", DeviceAckTests.ack(), "topic"),
        ("hv/v2/\(UUID().uuidString)/\(DeviceAckTests.device)/ack", DeviceAckTests.ack(), "topic"),
        (DeviceAckTests.topic, [UInt8]([0xFF, 0x01, 0x02]), "payload"),
        (DeviceAckTests.topic, DeviceAckTests.ack { $0.commandID = "nope" }, "command_id"),
        (DeviceAckTests.topic, DeviceAckTests.ack { $0.deviceID = "valve-8" }, "device_id"),
        (DeviceAckTests.topic, DeviceAckTests.ack { $0.stage = .unspecified }, "stage"),
        (DeviceAckTests.topic, DeviceAckTests.ack { $0.reason = String(repeating: "x", count: 501) }, "reason"),
    ])
    func aBadAckNamesTheField(topic: String, payload: [UInt8], field: String) {
        #expect(throws: DeviceAck.Invalid.self) { try DeviceAck.parse(topic: topic, payload: payload) }
        do {
            _ = try DeviceAck.parse(topic: topic, payload: payload)
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func aCommandIsPublishedAsTheControllerExpectsIt() throws {
        let device = UUID()
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let command = DeviceCommand(
            deviceID: device,
            zoneID: UUID(),
            action: .close,
            idempotencyKey: "run/step/0/close",
            createdAt: created,
            expiresAt: created.addingTimeInterval(30)
        )
        let stored = StoredCommand(siteID: Self.site, runID: nil, command: command)
        let message = try Harvestry_Telemetry_V1_Command(serializedBytes: try CommandPayload.bytes(stored))
        #expect(message.id == command.id.uuidString.lowercased())
        #expect(message.idempotencyKey == "run/step/0/close")
        #expect(message.deviceID == device.uuidString.lowercased())
        #expect(message.name == "valve.close")
        #expect(message.parameters == ["valve": device.uuidString.lowercased()])
        #expect(message.expireTime.seconds == 1_800_000_030)
        #expect(message.issueTime.seconds == 1_800_000_000)
        #expect(
            CommandPayload.topic(stored)
                == "hv/v1/\(Self.site.uuidString.lowercased())/\(device.uuidString.lowercased())/cmd"
        )
    }
}
