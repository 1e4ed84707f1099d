import Bus
import Foundation
import HarvestryApp
import MetricsTestKit
import Store
import Testing

/// A fresh embedded Mosquitto for one test.
func withEmbeddedBroker(_ body: (MQTTEndpoint) async throws -> Void) async throws {
    let directory = NSTemporaryDirectory() + "harvestry-mqtt-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory), logger: TestDirectory.logger)
    try await broker.start()
    do {
        try await body(MQTTEndpoint(host: "127.0.0.1", port: try #require(await broker.port)))
    } catch {
        await broker.stop()
        throw error
    }
    await broker.stop()
}

func countRows(_ database: AppDatabase, _ fromWhere: String, _ value: String) async throws -> Int {
    let rows = try await database.owner.query("SELECT count(*) AS n FROM \(fromWhere)", [SQLValue(value)])
    return try rows[0].decode("n", as: Int.self)
}

func deviceHealth(_ database: AppDatabase, _ device: String) async throws -> String? {
    let rows = try await database.owner.query(
        "SELECT status FROM device_health WHERE equipment_id = $1::uuid",
        [SQLValue(device)]
    )
    return try rows.first?.decode("status", as: String.self)
}

/// Polls `condition` (bounded) until it holds.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    try #require(try await condition(), "timed out waiting until \(what)")
}

/// A `TestServer` whose MQTT consumer ingests from `endpoint` (its metrics to `metrics`), with a sensor registered on
/// the tenant's first site; `body` gets the server, the sensor and the site id as the topics spell it.
func withIngestingServer(
    _ database: AppDatabase,
    _ tenant: TestTenant,
    endpoint: MQTTEndpoint,
    metrics: TestMetrics,
    gateway: Bool = false,
    _ body: @Sendable (TestServer, TelemetrySensor, String) async throws -> Void
) async throws {
    try await TestServer.with(
        database,
        gateway: gateway,
        mqtt: .init(endpoint: endpoint),
        ingestMetrics: MQTTIngestMetrics(factory: metrics)
    ) { server in
        let metadata = try await server.login(tenant.adminBadge).metadata
        let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
        try await body(server, sensor, tenant.siteIDs[0].uuidString.lowercased())
    }
}
