import API
import SwiftProtobuf

extension TruthRecord {
    /// `published` for `message`, handed to the connection at `instant` (from the spool when `spooled`). A
    /// telemetry batch's record carries its sequence, its reading count and, in `values`, the readings read back
    /// from the very payload that is sent (so a spooled batch's come from its spool record).
    static func published(_ message: OutboundMessage, spooled: Bool, at instant: SimInstant) -> TruthRecord {
        var record = TruthRecord(kind: .published, at: message.dueAt, device: message.device)
        record.channel = message.channel.name
        record.spooled = spooled
        record.publishedNanos = instant.nanosecondsSinceEpoch
        guard message.channel == .telemetry else { return record }
        record.sequence = message.sequence
        record.readings = message.readings
        // The runtime's own encoder wrote the payload: it always decodes.
        if let batch = try? Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: message.payload) {
            record.values = batch.readings.map { reading in
                TruthReading(
                    stream: reading.stream,
                    // Saturating: a spool file from elsewhere may carry any timestamp behind a valid checksum.
                    simNanos: SimInstant(saturating: reading.timestamp).nanosecondsSinceEpoch,
                    value: reading.value.isFinite ? reading.value : nil
                )
            }
        }
        return record
    }
}
