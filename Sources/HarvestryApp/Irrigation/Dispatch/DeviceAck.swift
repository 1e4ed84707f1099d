import API
import Domain
import Foundation
import SwiftProtobuf

/// A device's `Ack` from `hv/v1/{site}/{device}/ack`, validated. Pure: `parse` throws `DeviceAck.Invalid` naming
/// the field (`topic`, `site`, `payload`, `command_id`, `device_id`, `stage`, `reason`), so a bad ack is logged and
/// counted by its field, never fatal.
struct DeviceAck: Sendable, Hashable {
    var siteID: UUID
    var device: String
    var commandID: UUID
    var stage: CommandAck
    var reason: String?

    struct Invalid: Error, Hashable, CustomStringConvertible {
        var field: String
        var message: String
        var description: String { "\(self.field): \(self.message)" }
    }

    static func parse(topic: String, payload: [UInt8]) throws(Invalid) -> DeviceAck {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "hv", parts[1] == "v1", parts[4] == "ack" else {
            throw Invalid(field: "topic", message: "is not hv/v1/{site}/{device}/ack")
        }
        guard let siteID = UUID(uuidString: String(parts[2])) else {
            throw Invalid(field: "site", message: "is not a site id")
        }
        let device = String(parts[3])
        let ack: Harvestry_Telemetry_V1_Ack
        do {
            ack = try Harvestry_Telemetry_V1_Ack(serializedBytes: payload)
        } catch {
            throw Invalid(field: "payload", message: "is not an Ack")
        }
        guard let commandID = UUID(uuidString: ack.commandID) else {
            throw Invalid(field: "command_id", message: "is not a command id")
        }
        guard ack.deviceID == device else {
            throw Invalid(field: "device_id", message: "does not match the topic's device")
        }
        let stage: CommandAck
        switch ack.stage {
        case .received: stage = .received
        case .executed: stage = .executed
        case .rejected: stage = .rejected
        default: throw Invalid(field: "stage", message: "must be RECEIVED, EXECUTED or REJECTED")
        }
        guard ack.reason.utf8.count <= 500 else {
            throw Invalid(field: "reason", message: "is longer than 500 bytes")
        }
        return DeviceAck(
            siteID: siteID,
            device: device,
            commandID: commandID,
            stage: stage,
            reason: ack.reason.isEmpty ? nil : ack.reason
        )
    }
}
