import Logging

/// Sends a step's emissions where they go: output changes to the ground truth, everything else (as protocol
/// messages) to the outbox of the device's connection, in order.
struct EmissionRouter {
    private let connections: [DeviceConnection]
    private let connectionOf: [DeviceID: Int]
    private let truth: TruthRecorder?
    private let logger: Logger
    private var unknownDevices: Set<DeviceID> = []

    init(connections: [DeviceConnection], truth: TruthRecorder?, logger: Logger) {
        self.connections = connections
        var connectionOf: [DeviceID: Int] = [:]
        for (index, connection) in connections.enumerated() {
            for device in connection.plan.devices { connectionOf[device.id] = index }
        }
        self.connectionOf = connectionOf
        self.truth = truth
        self.logger = logger
    }

    mutating func route(_ emissions: [Emission], mapper: inout PayloadMapper) async throws(SimFileError) {
        guard !emissions.isEmpty else { return }
        if let truth = self.truth {
            truth.record(
                emissions.compactMap { emission in
                    guard case .outputChanged(let output, let isOn) = emission.kind else { return nil }
                    return .output(output, isOn: isOn, device: emission.device, at: emission.at)
                }
            )
        }
        var batches: [Int: [OutboundMessage]] = [:]
        for message in mapper.messages(for: emissions) {
            guard let index = self.connectionOf[message.device] else {
                if self.unknownDevices.insert(message.device).inserted {
                    self.logger.error(
                        "a device not in the simulation's list emitted",
                        metadata: ["device": "\(message.device)"]
                    )
                }
                continue
            }
            batches[index, default: []].append(message)
        }
        for (index, batch) in batches { try await self.connections[index].outbox.submit(batch) }
    }
}
