import API
import SwiftProtobuf

/// Turns a step's emissions into the device protocol's messages (docs/device-protocol.md), pure: each device's
/// readings of one step become one `TelemetryBatch` whose sequence is one more than the device's previous batch; an
/// event, a state (retained) and an ack are one message each; `outputChanged` publishes nothing.
struct PayloadMapper: Sendable {
    let site: String
    private(set) var sequences: [DeviceID: UInt64] = [:]

    init(site: String) {
        self.site = site
    }

    mutating func messages(for emissions: [Emission]) -> [OutboundMessage] {
        var messages: [OutboundMessage] = []
        var batchIndex: [DeviceID: Int] = [:]
        var batches: [Int: Harvestry_Telemetry_V1_TelemetryBatch] = [:]
        for emission in emissions {
            switch emission.kind {
            case .reading(let stream, let value, let unit):
                var reading = Harvestry_Telemetry_V1_Reading()
                reading.stream = stream
                reading.value = value
                reading.unit = unit
                reading.timestamp = emission.at.timestamp
                if let index = batchIndex[emission.device] {
                    batches[index, default: .init()].readings.append(reading)
                    messages[index].readings += 1
                    continue
                }
                let sequence = self.sequences[emission.device, default: 0] + 1
                self.sequences[emission.device] = sequence
                var batch = Harvestry_Telemetry_V1_TelemetryBatch()
                batch.deviceID = emission.device
                batch.sequence = sequence
                batch.readings = [reading]
                batchIndex[emission.device] = messages.count
                batches[messages.count] = batch
                messages.append(self.message(emission, .telemetry, payload: [], sequence: sequence))
                messages[messages.count - 1].readings = 1
            case .event(let eventID, let code, let severity, let text):
                var event = Harvestry_Telemetry_V1_Event()
                event.deviceID = emission.device
                event.eventID = eventID
                event.code = code
                event.severity = Self.severity(severity)
                event.message = text
                event.timestamp = emission.at.timestamp
                messages.append(self.message(emission, .event, payload: Self.bytes(event)))
            case .state(let faultCode, let properties):
                var state = Harvestry_Telemetry_V1_State()
                state.deviceID = emission.device
                state.timestamp = emission.at.timestamp
                state.faultCode = faultCode
                state.properties = properties
                messages.append(self.message(emission, .state, payload: Self.bytes(state), retain: true))
            case .ack(let commandID, let stage, let reason):
                messages.append(
                    self.message(
                        emission,
                        .ack,
                        payload: Self.ack(
                            device: emission.device,
                            commandID: commandID,
                            stage: stage,
                            reason: reason,
                            at: emission.at
                        )
                    )
                )
            case .outputChanged:
                continue
            }
        }
        for (index, batch) in batches { messages[index].payload = Self.bytes(batch) }
        return messages
    }

    /// The retained presence message, `Status` ONLINE or OFFLINE.
    func status(device: DeviceID, online: Bool, at instant: SimInstant) -> OutboundMessage {
        var status = Harvestry_Telemetry_V1_Status()
        status.deviceID = device
        status.connectivity = online ? .online : .offline
        status.timestamp = instant.timestamp
        return OutboundMessage(
            device: device,
            channel: .status,
            topic: Self.topic(site: self.site, device: device, channel: "status"),
            payload: Self.bytes(status),
            retain: true,
            sequence: 0,
            dueAt: instant
        )
    }

    static func ack(device: DeviceID, commandID: String, stage: AckStage, reason: String, at: SimInstant) -> [UInt8] {
        var ack = Harvestry_Telemetry_V1_Ack()
        ack.commandID = commandID
        ack.deviceID = device
        ack.stage =
            switch stage {
            case .received: .received
            case .executed: .executed
            case .rejected: .rejected
            }
        ack.reason = reason
        ack.timestamp = at.timestamp
        return Self.bytes(ack)
    }

    static func topic(site: String, device: DeviceID, channel: String) -> String {
        "hv/v1/\(site)/\(device)/\(channel)"
    }

    private func message(
        _ emission: Emission,
        _ channel: OutboundMessage.Channel,
        payload: [UInt8],
        retain: Bool = false,
        sequence: UInt64 = 0
    ) -> OutboundMessage {
        OutboundMessage(
            device: emission.device,
            channel: channel,
            topic: Self.topic(site: self.site, device: emission.device, channel: channel.name),
            payload: payload,
            retain: retain,
            sequence: sequence,
            dueAt: emission.at
        )
    }

    private static func severity(_ severity: EventSeverity) -> Harvestry_Telemetry_V1_Event.Severity {
        switch severity {
        case .info: .info
        case .warning: .warning
        case .critical: .critical
        }
    }

    private static func bytes(_ message: some SwiftProtobuf.Message) -> [UInt8] {
        // Serializing a message built from valid Swift values cannot fail (no required fields in proto3).
        let bytes: [UInt8] = (try? message.serializedBytes()) ?? []
        return bytes
    }
}
