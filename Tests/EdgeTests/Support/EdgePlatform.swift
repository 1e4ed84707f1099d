import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import HarvestryApp
import Logging
import ProcessSupport
import ServiceLifecycle
import Store
import SwiftProtobuf
import Testing

/// The platform the uplink delivers to, as `harvestry serve` runs it: a private, migrated Postgres (the product's
/// embedded launcher) and a `HarvestryServer` with every service on a fixed loopback port, which a test can stop
/// and start again (a platform outage). The tenant has one site, an admin's session token and two sensor devices
/// with an `air_temp` and an `rh` stream each.
struct EdgePlatform: Sendable {
    static let signingKey = Array("edge-key-edge-key-edge-key-edge-key".utf8)

    let ownerClient: PostgresClient
    let serviceConninfo: String
    let port: Int
    let siteID: UUID
    let token: String
    /// Equipment ids (UUID strings, lowercase).
    let devices: [String]

    var target: String { "127.0.0.1:\(self.port)" }

    static func with<T: Sendable>(_ body: @Sendable (EdgePlatform) async throws -> T) async throws -> T {
        let directory = "/tmp/harvestry-edge-platform-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let postgres = EmbeddedPostgres(
            configuration: .init(dataDirectory: directory + "/postgres", durable: false),
            logger: platformLogger
        )
        do {
            let owner = try await postgres.start()
            let ownerClient = PostgresClient(configuration: .init(conninfo: owner, maximumConnections: 2), logger: platformLogger)
            defer { ownerClient.close() }
            try await Migrator(migrations: try Migration.bundled(), logger: platformLogger).migrate(ownerClient)
            let tenant = try await PlatformTenant.make(ownerClient)
            let service = try await postgres.serviceConninfo
            let port = try LoopbackPort.free()
            let unprovisioned = EdgePlatform(
                ownerClient: ownerClient,
                serviceConninfo: service,
                port: port,
                siteID: tenant.site,
                token: "",
                devices: []
            )
            let platform = try await unprovisioned.serve { try await unprovisioned.provisioned(badge: tenant.badge) }
            let result = try await body(platform)
            try await postgres.stop()
            return result
        } catch {
            try? await postgres.stop()
            throw error
        }
    }

    /// Runs the server on `port` while `body` runs, then shuts it down as SIGTERM would.
    func serve<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let client = PostgresClient(
            configuration: .init(conninfo: self.serviceConninfo, maximumConnections: 4),
            logger: platformLogger
        )
        defer { client.close() }
        let server = try HarvestryServer(
            configuration: ServeConfiguration(host: "127.0.0.1", port: self.port),
            logger: platformLogger,
            data: DataServices(
                identity: PostgresIdentityRepository(client: client),
                spatial: PostgresSpatialRepository(client: client),
                signer: try SessionTokenSigner(key: Self.signingKey),
                telemetry: TelemetryServices(client: client, logger: platformLogger),
                irrigation: IrrigationServices(
                    repository: PostgresIrrigationRepository(client: client),
                    runControl: RunEngine.postgres(client: client, logger: platformLogger)
                )
            )
        )
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: platformLogger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                _ = try await server.transport.listeningAddress
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.next()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }

    /// Logs in and creates the devices and streams (while the server runs).
    private func provisioned(badge: String) async throws -> EdgePlatform {
        try await withGRPCClient(transport: try CoreClientTransport(target: self.target)) { grpc in
            let identity = Harvestry_Identity_V1_IdentityService.Client(wrapping: grpc)
            let spatial = Harvestry_Spatial_V1_SpatialService.Client(wrapping: grpc)
            let telemetry = Harvestry_Telemetry_V1_TelemetryService.Client(wrapping: grpc)
            let token = try await identity.badgeLogin(
                .with {
                    $0.badgeID = badge
                    $0.deviceID = "edge-test"
                }
            ).token
            let metadata: Metadata = ["authorization": .string("Bearer \(token)")]
            let site = "sites/" + self.siteID.uuidString.lowercased()
            var devices: [String] = []
            for index in 0..<2 {
                let device = try await spatial.createEquipment(
                    .with {
                        $0.parent = site
                        $0.equipment = .with {
                            $0.code = "INV-\(index)-\(UInt16.random(in: 0...9999))"
                            $0.displayName = "Edge device \(index)"
                            $0.kind = .sensor
                        }
                    },
                    metadata: metadata
                )
                for (key, type) in [("air_temp", Harvestry_Telemetry_V1_StreamType.temperature), ("rh", .humidity)] {
                    _ = try await telemetry.createStream(
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
                devices.append(device.id)
            }
            return EdgePlatform(
                ownerClient: self.ownerClient,
                serviceConninfo: self.serviceConninfo,
                port: self.port,
                siteID: self.siteID,
                token: token,
                devices: devices
            )
        }
    }

    /// Every stored reading of the site as `device/stream@micros=value`, and how many rows there are.
    func storedReadings() async throws -> (rows: Int, readings: Set<String>) {
        let rows = try await self.ownerClient.query(
            """
            SELECT s.equipment_id::text AS device, s.key,
                   (extract(epoch FROM r.ts) * 1000000)::bigint AS micros, r.value
            FROM sensor_readings r JOIN sensor_streams s ON s.id = r.stream_id
            WHERE r.site_id = $1::uuid
            """,
            [SQLValue(self.siteID)]
        )
        var readings = Set<String>()
        for row in rows {
            let device: String = try row.decode("device")
            let key: String = try row.decode("key")
            let micros: Int64 = try row.decode("micros")
            let value: Double = try row.decode("value")
            readings.insert(Self.describe(device: device, stream: key, micros: micros, value: value))
        }
        return (rows.count, readings)
    }

    static func describe(device: String, stream: String, micros: Int64, value: Double) -> String {
        "\(device.lowercased())/\(stream)@\(micros)=\(value)"
    }
}

let platformLogger: Logger = {
    var logger = Logger(label: "edge-platform-tests")
    logger.logLevel = .critical
    return logger
}()

/// An organization, a site and an admin with a badge, inserted as the owner (tenants come from provisioning).
enum PlatformTenant {
    static func make(_ owner: PostgresClient) async throws -> (site: UUID, badge: String) {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let badge = "EDGE-\(tag)"
        return try await owner.transaction { connection in
            let org = try await connection.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
                [SQLValue("org \(tag)")]
            )[0].decode("id", as: UUID.self)
            let site = try await connection.query(
                "INSERT INTO sites (organization_id, name) VALUES ($1::uuid, 'edge site') RETURNING id",
                [SQLValue(org)]
            )[0].decode("id", as: UUID.self)
            let admin = try await connection.query(
                """
                INSERT INTO users (organization_id, email, display_name, status)
                VALUES ($1::uuid, $2, 'Edge Admin', 'active') RETURNING id
                """,
                [SQLValue(org), SQLValue("edge-\(tag)@example.com")]
            )[0].decode("id", as: UUID.self)
            try await connection.query(
                "INSERT INTO user_sites (organization_id, user_id, site_id) VALUES ($1::uuid, $2::uuid, $3::uuid)",
                [SQLValue(org), SQLValue(admin), SQLValue(site)]
            )
            for role in ["admin", "manager"] {
                try await connection.query(
                    "INSERT INTO user_roles (organization_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3)",
                    [SQLValue(org), SQLValue(admin), SQLValue(role)]
                )
            }
            try await connection.query(
                """
                INSERT INTO badges (organization_id, user_id, code_sha256, code_hint)
                VALUES ($1::uuid, $2::uuid, sha256(convert_to($3, 'UTF8')), right($3, 4))
                """,
                [SQLValue(org), SQLValue(admin), SQLValue(badge)]
            )
            return (site, badge)
        }
    }
}
