import API
import Bus
import Logging
import SwiftProtobuf

/// The benchmark's reference, the physical limit of the same path: no simulation, no mapping, no spool. The same
/// connections (`ConnectionPlan`s) and lanes as the runtime publish a pre-encoded one-reading `TelemetryBatch` per
/// device once a second, QoS 1, and the lateness of each hand-off against its second is measured the same way.
enum BareReferenceLoop {
    struct Result {
        var messages: Int
        var elapsed: Duration
        var cpu: Duration
        var lateness: [Duration]
    }

    static func run(
        plans: [ConnectionPlan],
        site: String,
        broker: MQTTEndpoint,
        lanes: Int,
        duration: Duration,
        percentiles: [Double],
        logger: Logger
    ) async throws -> Result {
        var clients: [MQTTClient] = []
        for plan in plans {
            // Its own ids (`hvr-` for `hvs-`): the runtime's persistent sessions stay untouched.
            let clientID = "hvr-" + plan.clientID.dropFirst(4)
            clients.append(
                try await MQTTClient.connect(
                    .init(host: broker.host, port: broker.port, clientID: clientID, keepAliveSeconds: 30),
                    logger: logger
                )
            )
        }
        let stats = RuntimeStats()
        let start = ContinuousClock.now + .milliseconds(200)
        let seconds = Int(duration.components.seconds)
        let cpuBefore = ProcessMeasures.cpuTime()
        await withTaskGroup(of: Void.self) { group in
            for (plan, client) in zip(plans, clients) {
                let lanesOfPlan = Dictionary(grouping: plan.devices) { Outbox.lane(of: $0.id, count: lanes) }
                for (_, devices) in lanesOfPlan {
                    let payloads = devices.map { device in
                        var batch = Harvestry_Telemetry_V1_TelemetryBatch()
                        batch.deviceID = device.id
                        batch.sequence = 1
                        var reading = Harvestry_Telemetry_V1_Reading()
                        reading.stream = "air_temp"
                        reading.value = 21.5
                        reading.unit = "degC"
                        reading.timestamp = .init(seconds: 1_700_000_000, nanos: 0)
                        batch.readings = [reading]
                        let bytes: [UInt8] = (try? batch.serializedBytes()) ?? []
                        return (PayloadMapper.topic(site: site, device: device.id, channel: "telemetry"), bytes)
                    }
                    group.addTask {
                        for second in 1...max(1, seconds) {
                            let due = start + .seconds(second)
                            try? await Task.sleep(until: due, clock: .continuous)
                            for (topic, payload) in payloads {
                                stats.recordLateness(ContinuousClock.now - due)
                                _ = try? await client.publish(payload, to: topic)
                            }
                            stats.update { $0.published += payloads.count }
                        }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        let cpu = ProcessMeasures.cpuTime() - cpuBefore
        for client in clients { await client.disconnect() }
        return Result(
            messages: stats.snapshot.published,
            elapsed: elapsed,
            cpu: cpu,
            lateness: stats.latenessPercentiles(percentiles)
        )
    }
}
