import API
import Bus
import Foundation
import HarvestryApp
import Logging
import MetricsTestKit
import ProcessSupport
import ServiceLifecycle
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites.MQTTIngestTests {
    @Test("serve's persistent session: telemetry published while the consumer is stopped is stored when it is back")
    func consumerRestart() async throws {
        let database = try AppDatabase.current()
        let tenant = try await TestTenant.make(in: database)
        let dataDirectory = TestDirectory.make("ingest-id")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        try await withEmbeddedBroker { endpoint in
            // The first run makes the session (and the sensor); then the consumer is gone.
            let first = try IngestClientID.claim(inDirectory: dataDirectory)
            let sensor = try await TestServer.with(database, mqtt: .persistent(endpoint: endpoint, clientID: first)) {
                server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                return try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
            }
            first.release()
            let site = tenant.siteIDs[0].uuidString.lowercased()
            let publisher = try await MQTTClient.connect(
                .init(port: endpoint.port, clientID: "pub-\(UInt32.random(in: 0...UInt32.max))"),
                logger: TestDirectory.logger
            )
            let (batches, perBatch) = (50, 4)
            for index in 0..<batches {
                let batch = Harvestry_Telemetry_V1_TelemetryBatch.with {
                    $0.deviceID = sensor.deviceID
                    $0.sequence = UInt64(index)
                    $0.readings = (0..<perBatch).map { k in reading("air_temp", Double(index * perBatch + k), 20) }
                }
                try await publisher.publish(
                    try batch.serializedBytes(),
                    to: "hv/v1/\(site)/\(sensor.deviceID)/telemetry"
                )
            }
            await publisher.disconnect()
            #expect(try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == 0)

            let second = try IngestClientID.claim(inDirectory: dataDirectory)
            #expect(second.value == first.value, "a restart in the same data directory keeps the client id")
            try await TestServer.with(database, mqtt: .persistent(endpoint: endpoint, clientID: second)) { server in
                let total = batches * perBatch
                // The pipeline counts a batch just after its write commits: wait for both.
                try await waitUntil("the \(total) readings published meanwhile are stored and counted") {
                    try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) >= total
                        && server.telemetryServices.pipeline.counters.snapshot.accepted >= total
                }
                let counters = server.telemetryServices.pipeline.counters.snapshot
                #expect(try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == total)
                #expect(counters.accepted == total && counters.duplicates == 0, "\(counters)")
            }
        }
    }

    @Test("a broker that is down at start: the consumer retries, counts the failures, and ingests once it is up")
    func brokerDownAtStart() async throws {
        let database = try AppDatabase.current()
        let tenant = try await TestTenant.make(in: database)
        let port = try LoopbackPort.free()
        let directory = TestDirectory.make("late-broker")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = EmbeddedMosquitto(
            configuration: .init(dataDirectory: directory, port: port),
            logger: TestDirectory.logger
        )
        let metrics = TestMetrics()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await waitUntil("a failed connect") {
                        metrics.counters(label: "harvestry_mqtt_connect_failures_total").first?.totalValue ?? 0 >= 1
                    }
                    try await broker.start()
                }
                let endpoint = MQTTEndpoint(host: "127.0.0.1", port: port)
                // Both children: if the broker cannot start, its error ends the test instead of a wait.
                group.addTask {
                    try await withIngestingServer(database, tenant, endpoint: endpoint, metrics: metrics) {
                        server,
                        sensor,
                        site in
                        let publisher = try await MQTTClient.connect(
                            .init(port: port, clientID: "pub-\(UInt32.random(in: 0...UInt32.max))"),
                            logger: TestDirectory.logger
                        )
                        let batch = Harvestry_Telemetry_V1_TelemetryBatch.with {
                            $0.deviceID = sensor.deviceID
                            $0.readings = [reading("air_temp", 0, 20), reading("air_temp", 1, 21)]
                        }
                        try await publisher.publish(
                            try batch.serializedBytes(),
                            to: "hv/v1/\(site)/\(sensor.deviceID)/telemetry"
                        )
                        await publisher.disconnect()
                        try await waitUntil("2 readings stored") {
                            try await countRows(database, "sensor_readings WHERE site_id = $1::uuid", site) == 2
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
        #expect(try metrics.expectGauge("harvestry_mqtt_connected").lastValue == 1)
    }

    @Test("graceful shutdown while waiting for a broker that is down ends the consumer")
    func shutdownWhileRetrying() async throws {
        let database = try AppDatabase.current()
        let client = PostgresClient(
            configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 1),
            logger: TestDirectory.logger
        )
        defer { client.close() }
        let metrics = TestMetrics()
        let ingest = MQTTIngest(
            pipeline: TelemetryPipeline(repository: PostgresTelemetryRepository(client: client)),
            configuration: .init(endpoint: MQTTEndpoint(host: "127.0.0.1", port: try LoopbackPort.free())),
            logger: TestDirectory.logger,
            metrics: MQTTIngestMetrics(factory: metrics)
        )
        let group = ServiceGroup(configuration: .init(services: [.init(service: ingest)], logger: TestDirectory.logger))
        let finished = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            // Two failures: the consumer is in its backoff, not in its first attempt.
            try await waitUntil("two failed connects") {
                metrics.counters(label: "harvestry_mqtt_connect_failures_total").first?.totalValue ?? 0 >= 2
            }
            await group.triggerGracefulShutdown()
            // A bound, not a timing claim: the next retry would come 4 s later, a hang never.
            tasks.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            let first = try await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
        #expect(finished, "the consumer kept waiting for the broker after graceful shutdown")
        #expect(try metrics.expectGauge("harvestry_mqtt_connected").lastValue == 0)
    }
}
