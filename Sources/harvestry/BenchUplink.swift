import API
import ArgumentParser
import CoreTransport
import Edge
import Foundation
import GRPCCore
import HarvestryApp
import Logging
import ServiceLifecycle
import Store
import SwiftProtobuf

/// `harvestry bench uplink`: readings/s through the edge spool and uplink into a local server, against the same
/// readings sent straight to IngestReadings.
struct BenchUplink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplink",
        abstract: "Edge spool + uplink readings/s into a local server, against direct IngestReadings calls.",
        discussion: """
            Starts a private, durable Postgres and a HarvestryServer on loopback, creates --inverters devices with \
            --streams temperature streams each and an admin's session. Then: (1) spools --polls rounds of one \
            append per inverter (its --streams readings, as the poller writes them) and lets an Uploader deliver \
            the spool until it is empty; (2) sends the same number of readings, another hour's timestamps, \
            straight to IngestReadings, one call per inverter poll, one client, one call at a time. Prints \
            readings/s for the spool appends, the uplink's delivery and the direct calls.
            """
    )

    @Option(help: "Simulated inverters (devices).") var inverters = 100
    @Option(help: "Readings per inverter poll (streams per device).") var streams = 20
    @Option(help: "Poll rounds.") var polls = 30
    @Option(help: "Readings per uplink batch.") var batchLimit = 1000

    func validate() throws {
        guard (1...1000).contains(self.inverters), (1...200).contains(self.streams), (1...10_000).contains(self.polls)
        else { throw ValidationError("--inverters 1...1000, --streams 1...200, --polls 1...10000") }
        guard (1...10_000).contains(self.batchLimit) else { throw ValidationError("--batch-limit 1...10000") }
    }

    func run() async throws {
        bootstrapCommandLogging()
        var logger = Logger(label: "harvestry.bench.uplink")
        logger.logLevel = .error
        let directory = "/tmp/harvestry-bench-uplink-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let postgres = EmbeddedPostgres(configuration: .init(dataDirectory: directory + "/postgres"), logger: logger)
        do {
            let owner = try await postgres.start()
            try await self.measure(owner: owner, service: try await postgres.serviceConninfo, spool: directory + "/spool", logger: logger)
        } catch {
            try? await postgres.stop()
            throw error
        }
        try await postgres.stop()
    }

    private func measure(owner: String, service: String, spool directory: String, logger: Logger) async throws {
        try await Migrate.migrate(conninfo: owner, logger: logger)
        let ownerClient = PostgresClient(configuration: .init(conninfo: owner, maximumConnections: 2), logger: logger)
        defer { ownerClient.close() }
        let fixture = try await BenchFixture.make(ownerClient, devices: self.inverters, streamsPerDevice: self.streams)
        let badge = try await BenchUplinkAdmin.make(ownerClient, site: fixture.site)
        let client = PostgresClient(configuration: .init(conninfo: service, maximumConnections: 4), logger: logger)
        defer { client.close() }
        let server = try HarvestryServer(
            configuration: ServeConfiguration(host: "127.0.0.1", port: 0),
            logger: logger,
            data: DataServices(
                identity: PostgresIdentityRepository(client: client),
                spatial: PostgresSpatialRepository(client: client),
                signer: try SessionTokenSigner(key: (0..<32).map { _ in UInt8.random(in: 0...255) }),
                telemetry: TelemetryServices(client: client, logger: logger),
                irrigation: IrrigationServices(
                    repository: PostgresIrrigationRepository(client: client),
                    runControl: RunEngine.postgres(client: client, logger: logger)
                )
            )
        )
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let target = try await server.transport.listeningAddress.description
            let rows = try await self.runs(target: target, badge: badge, fixture: fixture, spool: directory, logger: logger)
            let stored: Int = try await ownerClient.query(
                "SELECT count(*)::int AS n FROM sensor_readings WHERE site_id = $1::uuid",
                [SQLValue(fixture.site)]
            )[0].decode("n")
            print("stored rows: \(stored) (expected \(rows))")
            await group.triggerGracefulShutdown()
        }
    }

    /// Both runs; returns the readings sent in all.
    private func runs(
        target: String,
        badge: String,
        fixture: BenchFixture,
        spool directory: String,
        logger: Logger
    ) async throws -> Int {
        let token = try await withGRPCClient(transport: try CoreClientTransport(target: target)) { grpc in
            try await Harvestry_Identity_V1_IdentityService.Client(wrapping: grpc).badgeLogin(
                .with {
                    $0.badgeID = badge
                    $0.deviceID = "bench-uplink"
                }
            ).token
        }
        let total = self.inverters * self.streams * self.polls
        let base = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 7_200
        let clock = ContinuousClock()

        // (1) Spool, then uplink.
        let spool = try await FileSpool.open(SpoolConfiguration(directory: directory), logger: logger)
        let appendTime = try await clock.measure {
            for poll in 0..<self.polls {
                for device in fixture.devices {
                    try await spool.append(self.readings(device, poll: poll, base: base))
                }
            }
        }
        let uploader = try Uploader(
            spool: spool,
            spoolIdentity: await spool.identity,
            configuration: UplinkConfiguration(target: target, token: token, batchLimit: self.batchLimit, idleInterval: .milliseconds(5)),
            logger: logger
        )
        let uplinkTime = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await uploader.run() }
                defer { tasks.cancelAll() }
                let deadline = ContinuousClock.now + .seconds(600)
                while await spool.status().depth > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        let delivered = uploader.metrics.snapshot()

        // (2) The same readings an hour earlier, straight to IngestReadings.
        let directTime = try await withGRPCClient(transport: try CoreClientTransport(target: target)) { grpc in
            let telemetry = Harvestry_Telemetry_V1_TelemetryService.Client(wrapping: grpc)
            let metadata: Metadata = ["authorization": .string("Bearer \(token)")]
            return try await clock.measure {
                for poll in 0..<self.polls {
                    for device in fixture.devices {
                        let readings = self.readings(device, poll: poll, base: base - 3_600)
                        _ = try await telemetry.ingestReadings(
                            .with {
                                $0.batch.deviceID = device.id.uuidString.lowercased()
                                $0.batch.readings = readings.map { reading in
                                    .with {
                                        $0.stream = reading.stream
                                        $0.value = reading.value
                                        $0.unit = reading.unit
                                        $0.timestamp = Google_Protobuf_Timestamp(date: reading.timestamp)
                                    }
                                }
                            },
                            metadata: metadata
                        )
                    }
                }
            }
        }
        func rate(_ duration: Duration) -> String {
            String(format: "%.0f", Double(total) / BenchResult.seconds(duration))
        }
        print("| run | readings | seconds | readings/s |")
        print("|---|---|---|---|")
        print("| spool append (\(self.streams) per append) | \(total) | \(String(format: "%.2f", BenchResult.seconds(appendTime))) | \(rate(appendTime)) |")
        print("| uplink: spool -> IngestReadings (\(self.batchLimit) per batch) | \(total) | \(String(format: "%.2f", BenchResult.seconds(uplinkTime))) | \(rate(uplinkTime)) |")
        print("| direct IngestReadings (\(self.streams) per call) | \(total) | \(String(format: "%.2f", BenchResult.seconds(directTime))) | \(rate(directTime)) |")
        print("uplink: accepted \(delivered.acceptedReadings), duplicates \(delivered.duplicateReadings), rejected \(delivered.rejectedReadings), errors \(delivered.errors)")
        return 2 * total
    }

    /// One inverter poll: a reading per stream at the poll's instant (polls 5 s apart).
    private func readings(_ device: BenchFixture.Device, poll: Int, base: Double) -> [EdgeReading] {
        let deviceID = device.id.uuidString.lowercased()
        let time = Date(timeIntervalSince1970: base + Double(poll) * 5)
        return device.streams.map { stream in
            EdgeReading(deviceId: deviceID, stream: device.keys[stream]!, value: 20 + Double(poll % 50) / 10, unit: "degC", timestamp: time)
        }
    }
}

/// A user of the fixture's organization with the admin role on its site and a badge to log in with.
enum BenchUplinkAdmin {
    static func make(_ owner: PostgresClient, site: UUID) async throws -> String {
        let badge = "BENCH-UPLINK-\(UInt32.random(in: 0...UInt32.max))"
        try await owner.transaction { connection in
            let org: UUID = try await connection.query(
                "SELECT organization_id FROM sites WHERE id = $1::uuid",
                [SQLValue(site)]
            )[0].decode("organization_id")
            let user: UUID = try await connection.query(
                """
                INSERT INTO users (organization_id, email, display_name, status)
                VALUES ($1::uuid, $2, 'Bench Uplink', 'active') RETURNING id
                """,
                [SQLValue(org), SQLValue("\(badge.lowercased())@example.com")]
            )[0].decode("id")
            try await connection.query(
                "INSERT INTO user_sites (organization_id, user_id, site_id) VALUES ($1::uuid, $2::uuid, $3::uuid)",
                [SQLValue(org), SQLValue(user), SQLValue(site)]
            )
            try await connection.query(
                "INSERT INTO user_roles (organization_id, user_id, role) VALUES ($1::uuid, $2::uuid, 'admin')",
                [SQLValue(org), SQLValue(user)]
            )
            try await connection.query(
                """
                INSERT INTO badges (organization_id, user_id, code_sha256, code_hint)
                VALUES ($1::uuid, $2::uuid, sha256(convert_to($3, 'UTF8')), right($3, 4))
                """,
                [SQLValue(org), SQLValue(user), SQLValue(badge)]
            )
        }
        return badge
    }
}
