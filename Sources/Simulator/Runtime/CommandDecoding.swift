import API
import SwiftProtobuf

/// Reads a `Command` from a device's `cmd` topic, pure. A payload that is not a `Command`, or has no id, is
/// unreadable (logged only: there is no command to answer); a readable command with a bad field is rejected with a
/// reason naming the field, `INVALID_COMMAND: <field> ...`, which the runtime sends as an Ack REJECTED.
enum CommandDecoding {
    enum Outcome: Hashable, Sendable {
        case command(SimCommand)
        case rejected(commandID: String, reason: String)
        case unreadable(reason: String)
    }

    static func decode(_ payload: [UInt8], device: DeviceID) -> Outcome {
        let command: Harvestry_Telemetry_V1_Command
        do {
            command = try Harvestry_Telemetry_V1_Command(serializedBytes: payload)
        } catch {
            return .unreadable(reason: "not a Command: \(error)")
        }
        guard !command.id.isEmpty else { return .unreadable(reason: "id: is required") }
        if let violation = Self.violation(command, device: device) {
            return .rejected(commandID: command.id, reason: "INVALID_COMMAND: \(violation)")
        }
        return .command(
            SimCommand(
                id: command.id,
                idempotencyKey: command.idempotencyKey,
                device: device,
                name: command.name,
                parameters: command.parameters,
                expireTime: SimInstant(saturating: command.expireTime)
            )
        )
    }

    /// Timestamp's documented range of seconds.
    static let timestampSeconds: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    private static func violation(_ command: Harvestry_Telemetry_V1_Command, device: DeviceID) -> String? {
        if command.idempotencyKey.isEmpty { return "idempotency_key is required" }
        if command.deviceID != device {
            return "device_id '\(command.deviceID.prefix(64))' does not match the topic's device"
        }
        if command.name.isEmpty { return "name is required" }
        if !command.hasExpireTime { return "expire_time is required" }
        if !(0..<1_000_000_000).contains(command.expireTime.nanos) { return "expire_time.nanos is out of range" }
        if !Self.timestampSeconds.contains(command.expireTime.seconds) {
            return "expire_time.seconds is outside 0001-01-01...9999-12-31"
        }
        return nil
    }
}
