import API
import Foundation
import GRPCCore
import Gateway
import HarvestryApp
import Store
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension DatabaseSuites {
    @Suite("Telemetry through the JSON gateway")
    struct TelemetryGatewayTests {
        @Test("the seed contract POST /telemetry/ingest {deviceId, readings: [{streamId, value, unit, timestamp}]}")
        func seedIngest() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let sensor = try await TelemetrySensor.make(server, session.metadata, site: tenant.site(0))
                let streamID = String(sensor.temperature.name.split(separator: "/").last!)
                let (ports, portContinuation) = AsyncStream<Int>.makeStream()
                let gateway = try GatewayServer(
                    configuration: GatewayConfiguration(host: "127.0.0.1", port: 0) { _ in true },
                    upstream: DirectUpstream(transport: server.server.direct),
                    logger: TestDirectory.logger,
                    onListening: { portContinuation.yield($0) }
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await gateway.run() }
                    defer { group.cancelAll() }
                    var iterator = ports.makeAsyncIterator()
                    let port = try #require(await iterator.next())
                    let time = ISO8601DateFormatter().string(from: telemetryBase)
                    let body = """
                        {"deviceId": "\(sensor.deviceID)", "readings": [
                          {"streamId": "\(streamID)", "value": 77, "unit": "°F", "timestamp": "\(time)"},
                          {"streamId": "\(streamID)", "value": 25, "unit": "°C", "timestamp": "\(time)"}
                        ]}
                        """
                    func post() async throws -> [String: Any] {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/telemetry/ingest")!)
                        request.httpMethod = "POST"
                        request.timeoutInterval = 30
                        request.httpBody = Data(body.utf8)
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue("Bearer \(session.token)", forHTTPHeaderField: "Authorization")
                        let urlSession = URLSession(configuration: .ephemeral)
                        defer { urlSession.finishTasksAndInvalidate() }
                        let (data, response) = try await urlSession.data(for: request)
                        let status = (response as? HTTPURLResponse)?.statusCode
                        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
                        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                    }
                    let first = try await post()
                    #expect(first["accepted"] as? Int == 1)
                    #expect(first["duplicates"] as? Int == 1)
                    let again = try await post()
                    #expect(again["accepted"] as? Int ?? 0 == 0)
                    #expect(again["duplicates"] as? Int == 2)
                }
                let stored = try await database.owner.query(
                    "SELECT value FROM sensor_readings WHERE site_id = $1::uuid",
                    [SQLValue(tenant.siteIDs[0])]
                )
                #expect(try stored.map { try $0.decode("value", as: Double.self) } == [25])
            }
        }
    }
}
