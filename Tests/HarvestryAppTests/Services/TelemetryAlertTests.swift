import API
import Foundation
import GRPCCore
import HarvestryApp
import Logging
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Telemetry alerts and device health")
    struct TelemetryAlertTests {
        @Test("threshold and deviation rules fire and clear as readings arrive")
        func fireAndClear() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let threshold = try await server.telemetry.createAlertRule(
                    .with {
                        $0.parent = tenant.site(0)
                        $0.alertRule = .with {
                            $0.stream = sensor.temperature.name
                            $0.kind = .threshold
                            $0.upper = 28
                        }
                    },
                    metadata: metadata
                )
                #expect(threshold.name.hasPrefix(tenant.site(0) + "/alertRules/"))
                _ = try await server.telemetry.createAlertRule(
                    .with {
                        $0.parent = tenant.site(0)
                        $0.alertRule = .with {
                            $0.stream = sensor.ec.name
                            $0.kind = .deviation
                            $0.target = 2
                            $0.band = 0.5
                            $0.duration = .init(seconds: 60)
                        }
                    },
                    metadata: metadata
                )
                await expectStatus(.invalidArgument) {
                    _ = try await server.telemetry.createAlertRule(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.alertRule = .with {
                                $0.stream = sensor.ec.name
                                $0.kind = .threshold
                            }
                        },
                        metadata: metadata
                    )
                }
                func ingest(_ readings: [Harvestry_Telemetry_V1_Reading]) async throws {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = readings
                        },
                        metadata: metadata
                    )
                }
                func alerts(cleared: Bool) async throws -> [Harvestry_Telemetry_V1_Alert] {
                    try await server.telemetry.listAlerts(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.includeCleared = cleared
                        },
                        metadata: metadata
                    ).alerts
                }
                // 86 °F = 30 °C: above 28. EC 3 mS/cm for 30 s: not long enough yet.
                try await ingest([reading("air_temp", 0, 86, unit: "°F"), reading("ec", 0, 3), reading("ec", 30, 3.1)])
                let open = try await alerts(cleared: false)
                #expect(open.map(\.alertRule) == [threshold.name])
                #expect(open.first?.value == 30)
                // The deviation lasts 60 s now; the temperature is back under 28.
                try await ingest([reading("ec", 60, 3.2), reading("air_temp", 60, 22)])
                let now = try await alerts(cleared: false)
                #expect(now.map(\.stream) == [sensor.ec.name])
                let all = try await alerts(cleared: true)
                #expect(all.count == 2)
                #expect(all.first { $0.alertRule == threshold.name }?.hasEndTime == true)
                // Back in band clears the deviation.
                try await ingest([reading("ec", 90, 2.1)])
                #expect(try await alerts(cleared: false).isEmpty)
            }
        }

        @Test("a rule created after its stream was ingested without rules fires on the stream's next batch")
        func ruleAfterIngest() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                func ingest(_ readings: [Harvestry_Telemetry_V1_Reading]) async throws {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = readings
                        },
                        metadata: metadata
                    )
                }
                func open() async throws -> [Harvestry_Telemetry_V1_Alert] {
                    try await server.telemetry.listAlerts(.with { $0.parent = tenant.site(0) }, metadata: metadata).alerts
                }
                // No rules yet: this batch is stored with no alert evaluation, and nothing opens.
                try await ingest([reading("air_temp", 0, 35)])
                #expect(try await open().isEmpty)
                let rule = try await server.telemetry.createAlertRule(
                    .with {
                        $0.parent = tenant.site(0)
                        $0.alertRule = .with {
                            $0.stream = sensor.temperature.name
                            $0.kind = .threshold
                            $0.upper = 28
                        }
                    },
                    metadata: metadata
                )
                try await ingest([reading("air_temp", 10, 36)])
                #expect(try await open().map(\.alertRule) == [rule.name])
            }
        }

        @Test("a device without heartbeats goes offline; a last will does too; both audited")
        func offlineDetection() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let quiet = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let willing = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let lively = try await TelemetrySensor.make(server, metadata, site: tenant.site(1))
                for sensor in [quiet, willing, lively] {
                    _ = try await server.spatial.recordHeartbeat(
                        .with { $0.equipment = sensor.device.name },
                        metadata: metadata
                    )
                }
                // The quiet one's last heartbeat was ten minutes ago.
                try await database.owner.query(
                    "UPDATE device_health SET last_heartbeat_at = now() - interval '10 minutes' WHERE equipment_id = $1::uuid",
                    [SQLValue(quiet.deviceID)]
                )
                let now = Date()
                let client = PostgresClient(
                    configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 2),
                    logger: TestDirectory.logger
                )
                defer { client.close() }
                let maintenance = TelemetryMaintenance(
                    repository: PostgresTelemetryRepository(client: client),
                    configuration: .init(offlineAfter: .seconds(120)),
                    logger: TestDirectory.logger
                )
                let marked = await maintenance.runOnce(now: now)
                #expect(marked.contains(UUID(uuidString: quiet.deviceID)!))
                #expect(!marked.contains(UUID(uuidString: willing.deviceID)!))
                #expect(await maintenance.runOnce(now: now).isEmpty)  // already offline: nothing to do twice

                await server.telemetryServices.pipeline.status(
                    .with {
                        $0.deviceID = willing.deviceID
                        $0.connectivity = .offline
                    },
                    site: tenant.siteIDs[0],
                    device: willing.deviceID
                )
                func status(_ sensor: TelemetrySensor) async throws -> Harvestry_Spatial_V1_DeviceHealth.Status {
                    try await server.spatial.getDeviceHealth(
                        .with { $0.name = sensor.device.name + "/health" },
                        metadata: metadata
                    ).status
                }
                #expect(try await status(quiet) == .offline)
                #expect(try await status(willing) == .offline)
                #expect(try await status(lively) == .online)
                let audited = try await database.owner.query(
                    """
                    SELECT count(*) AS n FROM audit_logs
                    WHERE action = 'device.status_change' AND actor_user_id IS NULL AND resource_id = ANY ($1::text[])
                    """,
                    [SQLValue("{\(quiet.deviceID),\(willing.deviceID)}")]
                )
                #expect(try audited[0].decode("n", as: Int.self) == 2)
            }
        }
    }
}
