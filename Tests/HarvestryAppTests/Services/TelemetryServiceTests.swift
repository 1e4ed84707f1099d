import API
import Domain
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

/// A sensor with two streams (air temperature, EC), made through the RPCs.
struct TelemetrySensor: Sendable {
    let device: Harvestry_Spatial_V1_Equipment
    let temperature: Harvestry_Telemetry_V1_SensorStream
    let ec: Harvestry_Telemetry_V1_SensorStream

    static func make(
        _ server: TestServer,
        _ metadata: Metadata,
        site: String,
        zone: String = ""
    ) async throws
        -> TelemetrySensor
    {
        let device = try await server.spatial.createEquipment(
            .with {
                $0.parent = site
                $0.equipment = .with {
                    $0.code = "SNS-\(UInt16.random(in: 0...9999))"
                    $0.displayName = "Climate sensor"
                    $0.kind = .sensor
                    $0.zone = zone
                }
            },
            metadata: metadata
        )
        func stream(
            _ key: String,
            _ type: Harvestry_Telemetry_V1_StreamType
        ) async throws
            -> Harvestry_Telemetry_V1_SensorStream
        {
            try await server.telemetry.createStream(
                .with {
                    $0.parent = site
                    $0.stream = .with {
                        $0.device = device.name
                        $0.key = key
                        $0.type = type
                    }
                },
                metadata: metadata
            )
        }
        return TelemetrySensor(
            device: device,
            temperature: try await stream("air_temp", .temperature),
            ec: try await stream("ec", .ec)
        )
    }

    var deviceID: String { self.device.id }
}

/// A whole minute two hours ago: readings there are within retention and their buckets are complete.
let telemetryBase: Date = {
    let now = Int(Date().timeIntervalSince1970) - 7_200
    return Date(timeIntervalSince1970: Double(now - now % 3_600))
}()

func reading(_ key: String, _ seconds: Double, _ value: Double, unit: String = "") -> Harvestry_Telemetry_V1_Reading {
    .with {
        $0.stream = key
        $0.value = value
        $0.unit = unit
        $0.timestamp = Google_Protobuf_Timestamp(date: telemetryBase.addingTimeInterval(seconds))
    }
}

/// Waits (bounded) until `condition` holds.
func eventually(_ what: String, _ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    try #require(condition(), "timed out waiting until \(what)")
}

extension DatabaseSuites {
    @Suite("Telemetry over gRPC")
    struct TelemetryServiceTests {
        @Test("ingest -> stored -> 1m rollup -> pushed to a subscriber; duplicates within and across batches")
        func ingestRollupPush() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let hub = server.telemetryServices.hub
                try await eventually("the hub listens") { hub.isListening }
                try await withThrowingTaskGroup(of: [Harvestry_Telemetry_V1_ReadingUpdate].self) { group in
                    group.addTask {
                        try await server.telemetry.subscribe(
                            .with { $0.parent = tenant.site(0) },
                            metadata: metadata
                        ) { response in
                            var received: [Harvestry_Telemetry_V1_ReadingUpdate] = []
                            for try await update in response.messages {
                                received.append(update)
                                if received.count == 4 { break }
                            }
                            return received
                        }
                    }
                    try await eventually("the subscriber is registered") { hub.subscriberCount == 1 }
                    let first = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = [
                                reading("air_temp", 0, 68, unit: "°F"), reading("air_temp", 20, 21, unit: "degC"),
                                reading("air_temp", 20, 21.5),  // same stream and time: a duplicate in the batch
                                reading("ec", 5, 1800, unit: "µS/cm"),
                            ]
                        },
                        metadata: metadata
                    )
                    #expect(first.accepted == 3 && first.duplicates == 1)
                    let second = try await server.telemetry.ingestReadings(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = [reading("air_temp", 0, 20), reading("air_temp", 40, 23)]
                        },
                        metadata: metadata
                    )
                    #expect(second.accepted == 1 && second.duplicates == 1)
                    let pushed = try #require(try await group.next())
                    group.cancelAll()
                    #expect(pushed.map(\.value) == [20, 21, 1.8, 23])
                    #expect(pushed.map(\.unit) == ["degC", "degC", "mS/cm", "degC"])
                    #expect(
                        pushed[0].stream == sensor.temperature.name
                            && pushed[2].streamID == sensor.ec.name.split(separator: "/").last.map(String.init)
                    )
                }
                let series = try await server.telemetry.querySeries(
                    .with {
                        $0.stream = sensor.temperature.name
                        $0.startTime = Google_Protobuf_Timestamp(date: telemetryBase)
                        $0.endTime = Google_Protobuf_Timestamp(date: telemetryBase.addingTimeInterval(3_600))
                        $0.resolution = .oneMinute
                    },
                    metadata: metadata
                )
                #expect(series.unit == "degC")
                #expect(series.points.count == 1)
                let bucket = try #require(series.points.first)
                #expect(bucket.count == 3 && bucket.min == 20 && bucket.max == 23 && bucket.last == 23)
                #expect(abs(bucket.avg - 64.0 / 3) < 1e-9)
                let streams = try await server.telemetry.listStreams(
                    .with { $0.parent = tenant.site(0) },
                    metadata: metadata
                )
                #expect(Set(streams.streams.map(\.key)) == ["air_temp", "ec"])
                #expect(streams.streams.first { $0.key == "ec" }?.unit == "mS/cm")
            }
        }

        @Test("validation names the field; nothing of an invalid batch is stored")
        func validation() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let status = await expectStatus(.invalidArgument, reason: "VALUE_OUT_OF_RANGE") {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = [
                                reading("air_temp", 0, 20), reading("air_temp", 1, 400, unit: "°C"),
                                reading("ec", 2, .nan), reading("nope", 3, 1), reading("ec", 4, 1, unit: "°F"),
                                reading("ec", 86_400 * 2, 1),
                            ]
                        },
                        metadata: metadata
                    )
                }
                #expect(
                    status?.fieldViolations.map(\.field) == [
                        "batch.readings[1].value", "batch.readings[2].value", "batch.readings[3].stream",
                        "batch.readings[4].unit", "batch.readings[5].timestamp",
                    ]
                )
                #expect(
                    status?.fieldViolations.map(\.reason) == [
                        "VALUE_OUT_OF_RANGE", "VALUE_NOT_FINITE", "UNKNOWN_STREAM", "UNIT_MISMATCH",
                        "TIMESTAMP_IN_FUTURE",
                    ]
                )
                await expectStatus(.invalidArgument, reason: "INVALID_ID") {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = "not-a-uuid"
                            $0.batch.readings = [reading("air_temp", 0, 20)]
                        },
                        metadata: metadata
                    )
                }
                let stored = try await database.owner.query(
                    "SELECT count(*) AS n FROM sensor_readings WHERE site_id = $1::uuid",
                    [SQLValue(tenant.siteIDs[0])]
                )
                #expect(try stored[0].decode("n", as: Int.self) == 0)
                let query = await expectStatus(.invalidArgument) {
                    _ = try await server.telemetry.querySeries(
                        .with {
                            $0.stream = tenant.site(0) + "/streams/nope"
                            $0.endTime = Google_Protobuf_Timestamp(date: telemetryBase)
                            $0.pageSize = 20_000
                        },
                        metadata: metadata
                    )
                }
                #expect(query?.fieldViolations.map(\.field) == ["stream", "start_time", "page_size"])
                let range = await expectStatus(.invalidArgument, reason: "INVALID_TIME_RANGE") {
                    _ = try await server.telemetry.querySeries(
                        .with {
                            $0.stream = sensor.temperature.name
                            $0.startTime = Google_Protobuf_Timestamp(date: telemetryBase)
                            $0.endTime = Google_Protobuf_Timestamp(date: telemetryBase.addingTimeInterval(-1))
                        },
                        metadata: metadata
                    )
                }
                #expect(range?.fieldViolations.map(\.field) == ["end_time"])
            }
        }

        @Test("a stream registered after the device's last batch is accepted at once (the stream cache refetches)")
        func newStreamIsNotStale() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                func ingest(
                    _ readings: [Harvestry_Telemetry_V1_Reading]
                ) async throws
                    -> Harvestry_Telemetry_V1_IngestReadingsResponse
                {
                    try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = readings
                        },
                        metadata: metadata
                    )
                }
                #expect(try await ingest([reading("air_temp", 0, 20)]).accepted == 1)
                _ = try await server.telemetry.createStream(
                    .with {
                        $0.parent = tenant.site(0)
                        $0.stream = .with {
                            $0.device = sensor.device.name
                            $0.key = "co2"
                            $0.type = .co2
                        }
                    },
                    metadata: metadata
                )
                #expect(
                    try await ingest([reading("co2", 0, 800, unit: "ppm"), reading("air_temp", 1, 21)]).accepted == 2
                )
                await expectStatus(.invalidArgument, reason: "UNKNOWN_STREAM") {
                    _ = try await ingest([reading("humidity", 0, 50)])
                }
            }
        }

        @Test("Subscribe by zone sends only the zone's devices' readings")
        func subscribeByZone() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let site = tenant.site(0)
                let room = try await server.spatial.createRoom(
                    .with {
                        $0.parent = site
                        $0.room.code = "VEG-1"
                        $0.room.name = "Veg"
                        $0.room.roomType = "veg"
                    },
                    metadata: metadata
                )
                let zone = try await server.spatial.createZone(
                    .with {
                        $0.parent = site
                        $0.zone = .with {
                            $0.code = "Z1"
                            $0.displayName = "Zone 1"
                            $0.room = room.name
                        }
                    },
                    metadata: metadata
                )
                let inside = try await TelemetrySensor.make(server, metadata, site: site, zone: zone.name)
                let outside = try await TelemetrySensor.make(server, metadata, site: site)
                #expect(inside.temperature.zone == zone.name)
                let hub = server.telemetryServices.hub
                try await eventually("the hub listens") { hub.isListening }
                try await withThrowingTaskGroup(of: [String].self) { group in
                    group.addTask {
                        try await server.telemetry.subscribe(
                            .with {
                                $0.parent = site
                                $0.zone = zone.name
                            },
                            metadata: metadata
                        ) { response in
                            var devices: [String] = []
                            for try await update in response.messages {
                                devices.append(update.device)
                                if devices.count == 2 { break }
                            }
                            return devices
                        }
                    }
                    try await eventually("the subscriber is registered") { hub.subscriberCount == 1 }
                    for (sensor, second) in [(outside, 0.0), (inside, 1.0), (outside, 2.0), (inside, 3.0)] {
                        _ = try await server.telemetry.ingestReadings(
                            .with {
                                $0.batch.deviceID = sensor.deviceID
                                $0.batch.readings = [reading("air_temp", second, 20)]
                            },
                            metadata: metadata
                        )
                    }
                    #expect(try await group.next() == [inside.device.name, inside.device.name])
                    group.cancelAll()
                }
            }
        }

        @Test("another site's device, stream or site is refused")
        func crossSite() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let other = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let otherMetadata = try await server.login(other.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let batch = Harvestry_Telemetry_V1_TelemetryBatch.with {
                    $0.deviceID = sensor.deviceID
                    $0.readings = [reading("air_temp", 0, 20)]
                }
                // The device is in site 0, not in site 1 (both the caller's).
                await expectStatus(.notFound, reason: "DEVICE_NOT_FOUND") {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.parent = tenant.site(1)
                            $0.batch = batch
                        },
                        metadata: metadata
                    )
                }
                // Another organization's caller: its own site does not hold the device, ours is out of scope.
                await expectStatus(.notFound) {
                    _ = try await server.telemetry.ingestReadings(.with { $0.batch = batch }, metadata: otherMetadata)
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.batch = batch
                        },
                        metadata: otherMetadata
                    )
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.telemetry.querySeries(
                        .with {
                            $0.stream = sensor.temperature.name
                            $0.startTime = Google_Protobuf_Timestamp(date: telemetryBase)
                            $0.endTime = Google_Protobuf_Timestamp(date: telemetryBase.addingTimeInterval(60))
                        },
                        metadata: otherMetadata
                    )
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    try await server.telemetry.subscribe(.with { $0.parent = tenant.site(0) }, metadata: otherMetadata)
                    {
                        for try await _ in $0.messages {}
                    }
                }
                let stored = try await database.owner.query(
                    "SELECT count(*) AS n FROM sensor_readings WHERE site_id = $1::uuid",
                    [SQLValue(tenant.siteIDs[0])]
                )
                #expect(try stored[0].decode("n", as: Int.self) == 0)
            }
        }

        @Test("a subscriber on one instance sees readings ingested through another (NOTIFY)")
        func acrossInstances() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { a in
                try await TestServer.with(database) { b in
                    let metadataA = try await a.login(tenant.adminBadge).metadata
                    let metadataB = try await b.login(tenant.adminBadge).metadata
                    let sensor = try await TelemetrySensor.make(a, metadataA, site: tenant.site(0))
                    let hubB = b.telemetryServices.hub
                    try await eventually("B's hub listens") { hubB.isListening }
                    try await withThrowingTaskGroup(of: [Double].self) { group in
                        group.addTask {
                            try await b.telemetry.subscribe(
                                .with {
                                    $0.parent = tenant.site(0)
                                    $0.streams = [sensor.ec.name]
                                },
                                metadata: metadataB
                            ) { response in
                                var values: [Double] = []
                                for try await update in response.messages {
                                    values.append(update.value)
                                    if values.count == 2 { break }
                                }
                                return values
                            }
                        }
                        try await eventually("B's subscriber is registered") { hubB.subscriberCount == 1 }
                        _ = try await a.telemetry.ingestReadings(
                            .with {
                                $0.batch.deviceID = sensor.deviceID
                                $0.batch.readings = [
                                    reading("air_temp", 0, 20), reading("ec", 0, 1.2), reading("ec", 1, 1.3),
                                ]
                            },
                            metadata: metadataA
                        )
                        #expect(try await group.next() == [1.2, 1.3])
                        group.cancelAll()
                    }
                }
            }
        }

        @Test("device payloads: garbage and invalid readings go to the dead letters, the valid rest is stored")
        func deadLetters() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let pipeline = server.telemetryServices.pipeline
                let site = tenant.siteIDs[0].uuidString.lowercased()
                let garbage = await pipeline.ingest(
                    payload: [0xff, 0xff, 0xff, 0x01, 0x02],
                    site: site,
                    device: sensor.deviceID
                )
                #expect(garbage.deadLetterReason == "MALFORMED_PAYLOAD" && garbage.accepted == 0)
                let unknown = await pipeline.ingest(payload: [], site: site, device: UUID().uuidString)
                #expect(unknown.deadLetterReason == "UNKNOWN_DEVICE")
                let badSite = await pipeline.ingest(payload: [], site: "nowhere", device: sensor.deviceID)
                #expect(badSite.deadLetterReason == "UNKNOWN_SITE")
                let mismatch = await pipeline.ingest(
                    .with { $0.deviceID = UUID().uuidString },
                    site: tenant.siteIDs[0],
                    device: sensor.deviceID
                )
                #expect(mismatch.deadLetterReason == "DEVICE_MISMATCH")
                let mixed = await pipeline.ingest(
                    .with {
                        $0.deviceID = sensor.deviceID
                        $0.sequence = 7
                        $0.readings = [reading("air_temp", 0, 20), reading("air_temp", 1, .infinity)]
                    },
                    site: tenant.siteIDs[0],
                    device: sensor.deviceID
                )
                #expect(mixed.accepted == 1 && mixed.rejected == 1 && mixed.deadLetterReason == "VALUE_NOT_FINITE")
                let letters = try await database.owner.query(
                    "SELECT reason FROM telemetry_dead_letters WHERE device = $1 OR site_id = $2::uuid ORDER BY id",
                    [SQLValue(sensor.deviceID), SQLValue(tenant.siteIDs[0])]
                )
                #expect(
                    try letters.map { try $0.decode("reason", as: String.self) } == [
                        "MALFORMED_PAYLOAD", "UNKNOWN_DEVICE", "UNKNOWN_SITE", "DEVICE_MISMATCH", "VALUE_NOT_FINITE",
                    ]
                )
                let stored = try await database.owner.query(
                    "SELECT value FROM sensor_readings WHERE site_id = $1::uuid",
                    [SQLValue(tenant.siteIDs[0])]
                )
                #expect(try stored.map { try $0.decode("value", as: Double.self) } == [20])
                let counters = pipeline.counters.snapshot
                #expect(counters.deadLetters["MALFORMED_PAYLOAD", default: 0] >= 1 && counters.rejected >= 1)
            }
        }
    }
}
