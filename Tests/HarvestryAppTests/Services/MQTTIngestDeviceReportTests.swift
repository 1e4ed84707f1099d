import API
import Bus
import Foundation
import GRPCCore
import HarvestryApp
import Logging
import MetricsTestKit
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites.MQTTIngestTests {
    @Test("events are stored once per event id, the newest state is kept, bad ones are dead-lettered; both are served")
    func eventsAndState() async throws {
        let database = try AppDatabase.current()
        let tenant = try await TestTenant.make(in: database)
        let metrics = TestMetrics()
        try await withEmbeddedBroker { endpoint in
            try await withIngestingServer(
                database,
                tenant,
                endpoint: endpoint,
                metrics: metrics,
                gateway: true
            ) {
                server,
                sensor,
                site in
                let device = sensor.deviceID
                let topic = { (device: String, channel: String) in "hv/v1/\(site)/\(device)/\(channel)" }
                let publisher = try await MQTTClient.connect(
                    .init(port: endpoint.port, clientID: "dev-\(UInt32.random(in: 0...UInt32.max))"),
                    logger: TestDirectory.logger
                )
                let now = Date()
                let event = { (id: String, code: String, age: Double) in
                    try Harvestry_Telemetry_V1_Event.with {
                        $0.deviceID = device
                        $0.eventID = id
                        $0.code = code
                        $0.severity = .critical
                        $0.message = "door opened"
                        $0.timestamp = .init(date: now.addingTimeInterval(-age))
                        $0.attributes = ["door": "north"]
                    }.serializedBytes() as [UInt8]
                }
                let state = { (seconds: Double, firmware: String) in
                    try Harvestry_Telemetry_V1_State.with {
                        $0.deviceID = device
                        $0.timestamp = .init(date: now.addingTimeInterval(seconds))
                        $0.firmwareVersion = firmware
                        $0.uptimeSeconds = 42
                    }.serializedBytes() as [UInt8]
                }
                // An event twice (a QoS 1 redelivery), a bad code, garbage, an event of an unknown device.
                try await publisher.publish(try event("e-1", "DOOR_OPEN", 0), to: topic(device, "event"))
                try await publisher.publish(try event("e-1", "DOOR_OPEN", 0), to: topic(device, "event"))
                try await publisher.publish(try event("e-2", "door open", 0), to: topic(device, "event"))
                try await publisher.publish(try event("e-3", "DOOR_CLOSED", 10), to: topic(device, "event"))
                try await publisher.publish(try event("e-4", "DOOR_OPEN", 20), to: topic(device, "event"))
                try await publisher.publish([0xff, 0xff, 0x01], to: topic(device, "event"))
                let stranger = UUID().uuidString.lowercased()
                try await publisher.publish(
                    try Harvestry_Telemetry_V1_Event.with {
                        $0.eventID = "e-9"
                        $0.code = "DOOR_OPEN"
                        $0.timestamp = .init(date: now)
                    }.serializedBytes(),
                    to: topic(stranger, "event")
                )
                // A newer state, then an older one (ignored), then one without a timestamp (dead-lettered).
                try await publisher.publish(try state(0, "2.0.0"), to: topic(device, "state"), retain: true)
                try await publisher.publish(try state(-60, "1.0.0"), to: topic(device, "state"))
                try await publisher.publish(
                    try Harvestry_Telemetry_V1_State.with { $0.deviceID = device }.serializedBytes(),
                    to: topic(device, "state")
                )
                // Cleared retained state: ignored.
                try await publisher.publish([], to: topic(device, "state"), retain: true)
                await publisher.disconnect()

                let letters = { (reason: String, device: String) in
                    try await countRows(
                        database,
                        "telemetry_dead_letters WHERE device = $1 AND reason = '\(reason)'",
                        device
                    )
                }
                try await waitUntil("every report handled") {
                    let received = ["event", "state"].map {
                        metrics.counters(label: "harvestry_mqtt_messages_received_total", dimensions: [("channel", $0)])
                            .first?.totalValue ?? 0
                    }
                    let deadLetters = metrics.counters(label: "harvestry_mqtt_dead_letters_total")
                        .reduce(0) { $0 + $1.totalValue }
                    let stateLetters = try await letters("MALFORMED_STATE", device)
                    return received == [7, 4] && deadLetters == 4 && stateLetters == 1
                }
                #expect(try await countRows(database, "device_events WHERE equipment_id = $1::uuid", device) == 3)
                #expect(try await letters("MALFORMED_EVENT", device) == 2)
                #expect(try await letters("UNKNOWN_DEVICE", stranger) == 1)
                let rows = try await database.owner.query(
                    "SELECT firmware_version FROM device_states WHERE equipment_id = $1::uuid",
                    [SQLValue(device)]
                )
                #expect(try rows.map { try $0.decode("firmware_version", as: String.self) } == ["2.0.0"])
                let events = try await database.owner.query(
                    "SELECT code, severity, attributes->>'door' AS door FROM device_events WHERE equipment_id = $1::uuid AND event_id = 'e-1'",
                    [SQLValue(device)]
                )
                #expect(try events[0].decode("code", as: String.self) == "DOOR_OPEN")
                #expect(try events[0].decode("severity", as: String.self) == "critical")
                #expect(try events[0].decode("door", as: String.self) == "north")
                try await self.expectServed(server, tenant, device: device, in: database)
            }
        }
    }

    /// ListDeviceEvents and GetDeviceState over gRPC and the gateway; another organization's caller is refused.
    private func expectServed(
        _ server: TestServer,
        _ tenant: TestTenant,
        device: String,
        in database: AppDatabase
    ) async throws {
        let session = try await server.login(tenant.adminBadge)
        let equipment = "\(tenant.site(0))/equipment/\(device)"
        let first = try await server.telemetry.listDeviceEvents(
            .with {
                $0.parent = equipment
                $0.pageSize = 2
            },
            metadata: session.metadata
        )
        #expect(first.events.map(\.eventID) == ["e-1", "e-3"], "newest first")
        #expect(first.events.first?.attributes == ["door": "north"])
        let second = try await server.telemetry.listDeviceEvents(
            .with {
                $0.parent = equipment
                $0.pageSize = 2
                $0.pageToken = first.nextPageToken
            },
            metadata: session.metadata
        )
        #expect(second.events.map(\.eventID) == ["e-4"] && second.nextPageToken.isEmpty)
        let state = try await server.telemetry.getDeviceState(
            .with { $0.name = equipment + "/state" },
            metadata: session.metadata
        )
        #expect(state.firmwareVersion == "2.0.0" && state.uptimeSeconds == 42)
        await expectStatus(.notFound) {
            _ = try await server.telemetry.getDeviceState(
                .with { $0.name = "\(tenant.site(0))/equipment/\(UUID().uuidString.lowercased())/state" },
                metadata: session.metadata
            )
        }

        let http = GatewayClient(port: try #require(server.httpPort))
        defer { http.close() }
        let served = try await http.send("GET", "/v1/\(equipment)/state", token: session.token)
        #expect(served.status == 200 && served.json?["firmwareVersion"] as? String == "2.0.0", "\(served.text)")
        let page = try await http.send("GET", "/v1/\(equipment)/events?pageSize=10", token: session.token)
        #expect((page.json?["events"] as? [[String: Any]])?.count == 3, "\(page.text)")

        let other = try await TestTenant.make(in: database)
        let outsider = try await server.login(other.adminBadge).metadata
        await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
            _ = try await server.telemetry.getDeviceState(.with { $0.name = equipment + "/state" }, metadata: outsider)
        }
        await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
            _ = try await server.telemetry.listDeviceEvents(.with { $0.parent = equipment }, metadata: outsider)
        }
    }
}
