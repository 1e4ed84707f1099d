import API
import Bus
import Foundation
import HarvestryApp
import Logging
import MetricsTestKit
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Telemetry over MQTT", .serialized)
    struct MQTTIngestTests {
        @Test("a published batch is stored, garbage is dead-lettered, a last will marks the device offline")
        func publishStoreDeadLetter() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let metrics = TestMetrics()
            try await withEmbeddedBroker { endpoint in
                try await withIngestingServer(database, tenant, endpoint: endpoint, metrics: metrics) {
                    server,
                    sensor,
                    site in
                    let topic = { (channel: String) in "hv/v1/\(site)/\(sensor.deviceID)/\(channel)" }
                    let device = try await MQTTClient.connect(
                        .init(
                            port: endpoint.port,
                            clientID: "dev-\(UInt32.random(in: 0...UInt32.max))",
                            will: MQTTWill(topic: topic("status"), payload: Array("offline".utf8))
                        ),
                        logger: TestDirectory.logger
                    )
                    let batch = Harvestry_Telemetry_V1_TelemetryBatch.with {
                        $0.deviceID = sensor.deviceID
                        $0.sequence = 1
                        $0.readings = [reading("air_temp", 0, 20), reading("air_temp", 1, 21), reading("ec", 0, 1.5)]
                    }
                    let batchBytes: [UInt8] = try batch.serializedBytes()
                    try await device.publish(batchBytes, to: topic("telemetry"))
                    try await device.publish([0xff, 0xff, 0xff, 0x01], to: topic("telemetry"))
                    try await device.publish(Array("online".utf8), to: topic("status"))
                    try await waitUntil("3 readings stored") {
                        try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == 3
                    }
                    try await waitUntil("the garbage is dead-lettered") {
                        try await countRows(
                            database,
                            "telemetry_dead_letters WHERE device = $1 AND reason = 'MALFORMED_PAYLOAD'",
                            sensor.deviceID
                        ) == 1
                    }
                    try await waitUntil("the device is online") {
                        try await deviceHealth(database, sensor.deviceID) == "online"
                    }
                    await device.dropConnection()
                    try await waitUntil("the last will marks it offline") {
                        try await deviceHealth(database, sensor.deviceID) == "offline"
                    }
                    let counter = { (label: String, dimension: (String, String)) in
                        try metrics.expectCounter(label, [dimension]).totalValue
                    }
                    #expect(try counter("harvestry_mqtt_messages_received_total", ("channel", "telemetry")) == 2)
                    #expect(
                        try counter("harvestry_mqtt_payload_bytes_total", ("channel", "telemetry"))
                            == Int64(batchBytes.count + 4)
                    )
                    #expect(try counter("harvestry_mqtt_messages_received_total", ("channel", "status")) == 2)
                    #expect(try counter("harvestry_mqtt_dead_letters_total", ("reason", "MALFORMED_PAYLOAD")) == 1)
                    #expect(try metrics.expectGauge("harvestry_mqtt_connected").lastValue == 1)
                }
            }
        }

        @Test("two instances on one database and broker split a stream of batches: no duplicate, no loss")
        func twoInstancesSplit() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let (batches, perBatch) = (120, 5)
            try await withEmbeddedBroker { endpoint in
                try await TestServer.with(database, mqtt: .init(endpoint: endpoint)) { a in
                    try await TestServer.with(database, mqtt: .init(endpoint: endpoint)) { b in
                        let metadata = try await a.login(tenant.adminBadge).metadata
                        let sensors = [
                            try await TelemetrySensor.make(a, metadata, site: tenant.site(0)),
                            try await TelemetrySensor.make(a, metadata, site: tenant.site(0)),
                        ]
                        let site = tenant.siteIDs[0].uuidString.lowercased()
                        let publisher = try await MQTTClient.connect(
                            .init(port: endpoint.port, clientID: "pub-\(UInt32.random(in: 0...UInt32.max))"),
                            logger: TestDirectory.logger
                        )
                        for index in 0..<batches {
                            let sensor = sensors[index % 2]
                            let batch = Harvestry_Telemetry_V1_TelemetryBatch.with {
                                $0.deviceID = sensor.deviceID
                                $0.sequence = UInt64(index)
                                $0.readings = (0..<perBatch).map { k in
                                    reading("air_temp", Double(index * perBatch + k), 20 + Double(k))
                                }
                            }
                            try await publisher.publish(
                                try batch.serializedBytes(),
                                to: "hv/v1/\(site)/\(sensor.deviceID)/telemetry"
                            )
                        }
                        await publisher.disconnect()
                        let total = batches * perBatch
                        try await waitUntil("\(total) readings stored", timeout: .seconds(120)) {
                            let (x, y) = (
                                a.telemetryServices.pipeline.counters.snapshot,
                                b.telemetryServices.pipeline.counters.snapshot
                            )
                            return x.accepted + x.duplicates + y.accepted + y.duplicates >= total
                        }
                        let (x, y) = (
                            a.telemetryServices.pipeline.counters.snapshot,
                            b.telemetryServices.pipeline.counters.snapshot
                        )
                        #expect(
                            try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == total
                        )
                        #expect(x.accepted + y.accepted == total)
                        #expect(x.duplicates == 0 && y.duplicates == 0)
                        #expect(
                            x.accepted > 0 && y.accepted > 0,
                            "one instance took everything: \(x.accepted) / \(y.accepted)"
                        )
                        #expect(x.deadLetters.isEmpty && y.deadLetters.isEmpty)
                    }
                }
            }
        }
    }
}

extension DatabaseSuites.MQTTIngestTests {
    @Test("across a broker restart: batches the broker accepted before it are all stored, and ingest resumes after")
    func brokerRestart() async throws {
        let database = try AppDatabase.current()
        let tenant = try await TestTenant.make(in: database)
        let directory = NSTemporaryDirectory() + "harvestry-mqtt-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory), logger: TestDirectory.logger)
        try await broker.start()
        do {
            try await self.restart(database, tenant, broker)
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    private func restart(_ database: AppDatabase, _ tenant: TestTenant, _ broker: EmbeddedMosquitto) async throws {
        let endpoint = MQTTEndpoint(host: "127.0.0.1", port: try #require(await broker.port))
        let ingest = MQTTIngest.Configuration(
            endpoint: endpoint,
            clientID: "ingest-\(UInt32.random(in: 0...UInt32.max))",
            persistentSession: true
        )
        let metrics = TestMetrics()
        try await TestServer.with(database, mqtt: ingest, ingestMetrics: MQTTIngestMetrics(factory: metrics)) {
            server in
            let metadata = try await server.login(tenant.adminBadge).metadata
            let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
            let site = tenant.siteIDs[0].uuidString.lowercased()
            let topic = "hv/v1/\(site)/\(sensor.deviceID)/telemetry"
            let batch = { (index: Int, value: Double) in
                try Harvestry_Telemetry_V1_TelemetryBatch.with {
                    $0.deviceID = sensor.deviceID
                    $0.readings = [reading("air_temp", Double(index), value)]
                }.serializedBytes() as [UInt8]
            }
            let publisher = try await MQTTClient.connect(
                .init(port: endpoint.port, clientID: "pub-\(UInt32.random(in: 0...UInt32.max))"),
                logger: TestDirectory.logger
            )
            // Published as fast as the broker acknowledges, then the broker stops at once: what the consumer has not
            // taken yet is queued in its persistent session and saved with the broker's state.
            let before = 400
            for index in 0..<before { try await publisher.publish(try batch(index, 20), to: topic) }
            await broker.stop()
            let storedAtStop = try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site)
            try await broker.start()
            // The consumer is back once a probe (the same reading each time, so repeats are duplicates) is stored.
            try await waitUntil("the consumer resubscribed", timeout: .seconds(60)) {
                try? await publisher.publish(try batch(7_000, 33.5), to: topic)
                return try await countRows(database, "sensor_readings WHERE site_id = $1::uuid AND value = 33.5", site)
                    == 1
            }
            for index in before..<(before + 100) { try await publisher.publish(try batch(index, 20), to: topic) }
            await publisher.disconnect()
            try await waitUntil("every batch stored", timeout: .seconds(60)) {
                try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == before + 101
            }
            #expect(server.telemetryServices.pipeline.counters.snapshot.deadLetters.isEmpty)
            #expect(try metrics.expectCounter("harvestry_mqtt_reconnects_total").totalValue >= 1)
            #expect(try metrics.expectGauge("harvestry_mqtt_connected").lastValue == 1)
            // Informational: how much was still queued in the broker when it stopped.
            print("stored when the broker stopped: \(storedAtStop) of \(before)")
        }
    }
}
