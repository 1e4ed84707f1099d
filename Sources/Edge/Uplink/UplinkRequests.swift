import API
import Foundation
import SwiftProtobuf

/// A spool batch as IngestReadings requests: one `TelemetryBatch` per device, devices in the order they first
/// appear, readings in spool order. Pure.
///
/// Each request id is derived from the spool's identity, the batch's sequences and the device
/// (`edge:<identity>:<first>-<last>:<device>`), so a replay after a crash or a lost answer is the same request
/// with the same readings: the server answers it from its idempotency record, and (stream, timestamp)
/// deduplication covers a batch cut differently after a restart.
enum UplinkRequests {
    static func make(_ batch: SpoolBatch, spoolIdentity: String) -> [Harvestry_Telemetry_V1_IngestReadingsRequest] {
        var order: [String] = []
        var byDevice: [String: [Harvestry_Telemetry_V1_Reading]] = [:]
        for reading in batch.readings {
            if byDevice[reading.deviceId] == nil { order.append(reading.deviceId) }
            byDevice[reading.deviceId, default: []].append(
                .with {
                    $0.stream = reading.stream
                    $0.value = reading.value
                    $0.unit = reading.unit
                    $0.timestamp = Google_Protobuf_Timestamp(date: reading.timestamp)
                }
            )
        }
        return order.map { device in
            Harvestry_Telemetry_V1_IngestReadingsRequest.with {
                $0.batch.deviceID = device
                $0.batch.readings = byDevice[device] ?? []
                $0.requestID = Self.requestID(spoolIdentity, batch, device: device)
            }
        }
    }

    /// At most 128 characters (the server's limit): a device id longer than a UUID is hashed into the id.
    static func requestID(_ identity: String, _ batch: SpoolBatch, device: String) -> String {
        let id = "edge:\(identity):\(batch.firstSequence)-\(batch.lastSequence):\(device)"
        guard id.count > 128 else { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in device.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "edge:\(identity.prefix(32)):\(batch.firstSequence)-\(batch.lastSequence):\(String(hash, radix: 16))"
    }
}
