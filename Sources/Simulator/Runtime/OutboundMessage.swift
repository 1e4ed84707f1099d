/// One MQTT message a simulated device sends, as the runtime queues, spools and publishes it (always QoS 1).
struct OutboundMessage: Hashable, Sendable {
    var device: DeviceID
    var channel: Channel
    var topic: String
    var payload: [UInt8]
    var retain: Bool
    /// The telemetry batch's sequence; 0 for other channels.
    var sequence: UInt64
    /// When it was due on the simulation's clock (for the publish jitter and the ground truth).
    var dueAt: SimInstant
    /// Readings in the telemetry batch; 0 for other channels.
    var readings: Int = 0

    enum Channel: UInt8, Hashable, Sendable {
        case telemetry, event, state, status, ack
        var name: String {
            switch self {
            case .telemetry: "telemetry"
            case .event: "event"
            case .state: "state"
            case .status: "status"
            case .ack: "ack"
            }
        }
    }
}

extension OutboundMessage {
    /// The spool record body: `channel (u8) | retain (u8) | sequence (u64) | due (i64 ns) | readings (u32) |
    /// device length (u16) |
    /// device | topic length (u16) | topic | payload`, little-endian.
    var spoolRecord: [UInt8] {
        var bytes: [UInt8] = [self.channel.rawValue, self.retain ? 1 : 0]
        SpoolFraming.appendUInt64(self.sequence, to: &bytes)
        SpoolFraming.appendUInt64(UInt64(bitPattern: self.dueAt.nanosecondsSinceEpoch), to: &bytes)
        SpoolFraming.appendUInt32(UInt32(truncatingIfNeeded: self.readings), to: &bytes)
        for text in [self.device, self.topic] {
            let utf8 = Array(text.utf8)
            bytes.append(UInt8(truncatingIfNeeded: utf8.count))
            bytes.append(UInt8(truncatingIfNeeded: utf8.count >> 8))
            bytes.append(contentsOf: utf8)
        }
        bytes.append(contentsOf: self.payload)
        return bytes
    }

    /// Reads a spool record body back; nil when it is not one.
    init?(spoolRecord bytes: [UInt8]) {
        guard bytes.count >= 22, let channel = Channel(rawValue: bytes[0]) else { return nil }
        let slice = bytes[...]
        var offset = 22
        var texts: [String] = []
        for _ in 0..<2 {
            guard bytes.count >= offset + 2 else { return nil }
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            offset += 2
            guard bytes.count >= offset + length else { return nil }
            texts.append(String(decoding: bytes[offset..<(offset + length)], as: UTF8.self))
            offset += length
        }
        self.init(
            device: texts[0],
            channel: channel,
            topic: texts[1],
            payload: Array(bytes[offset...]),
            retain: bytes[1] == 1,
            sequence: SpoolFraming.readUInt64(slice, at: 2),
            dueAt: SimInstant(nanosecondsSinceEpoch: Int64(bitPattern: SpoolFraming.readUInt64(slice, at: 10))),
            readings: Int(SpoolFraming.readUInt32(slice, at: 18))
        )
    }
}
