import API
import Domain
import Foundation
import SwiftProtobuf

/// A stored command as the device protocol's `Command` (docs/device-protocol.md) for the simulator's edge
/// controller (docs/simulator.md): `valve.open` (with `duration_s` when timed) / `valve.close` with `valve` = the
/// addressed valve's device id, sent to the valve's own `cmd` topic; `rearm` with `authorizer`, to the controller's. Pure. (Public for `bench commands`' bare run, which sends the same messages.)
public enum CommandPayload {
    public static func message(_ stored: StoredCommand) -> Harvestry_Telemetry_V1_Command {
        let command = stored.command
        let device = command.deviceID.uuidString.lowercased()
        return .with {
            $0.id = command.id.uuidString.lowercased()
            $0.idempotencyKey = command.idempotencyKey
            $0.deviceID = device
            switch command.action {
            case .open, .close:
                $0.name = "valve.\(command.action.rawValue)"
                $0.parameters = ["valve": device]
                if let seconds = command.durationSeconds { $0.parameters["duration_s"] = String(seconds) }
            case .rearm:
                $0.name = "rearm"
                $0.parameters = ["authorizer": command.authorizer ?? ""]
            }
            $0.issueTime = Google_Protobuf_Timestamp(date: command.createdAt)
            $0.expireTime = Google_Protobuf_Timestamp(date: command.expiresAt)
        }
    }

    /// `hv/v1/{site}/{device}/cmd`, ids lowercased as the topics spell them.
    public static func topic(_ stored: StoredCommand) -> String {
        "hv/v1/\(stored.siteID.uuidString.lowercased())/\(stored.command.deviceID.uuidString.lowercased())/cmd"
    }

    public static func bytes(_ stored: StoredCommand) throws -> [UInt8] {
        try Self.message(stored).serializedBytes()
    }
}
