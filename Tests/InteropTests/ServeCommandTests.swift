import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import TestSupport
import Testing

/// The `harvestry serve` process itself: it starts, answers health checks, and drains on SIGTERM.
@Suite("harvestry serve as a process")
struct ServeCommandTests {
    /// The CLI built next to the test bundle (`swift build --build-tests` builds every product).
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("harvestry")
    }

    @Test("no DATABASE_URL or MQTT_URL: embedded Postgres and Mosquitto start, Health serves, SIGTERM stops all")
    func servesAndDrains() async throws {
        // Every ancestor must be traversable by the postgres user when the tests run as root.
        let dataDir = "/tmp/harvestry-serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        chmod(dataDir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        // The address is in the "listening" log line.
        let (process, text) = try await GatewayCommandTests.start(
            ["serve", "--port", "0", "--http-port", "0", "--grace-period-seconds", "2", "--data-dir", dataDir],
            environment: ["DATABASE_URL": nil, "MQTT_URL": nil],
            until: ["gRPC server listening"]
        )
        let address = try #require(
            text.split(separator: " ").first { $0.hasPrefix("address=") }.map { String($0.dropFirst("address=".count)) }
        )

        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            let overall = try await health.check(.with { $0.service = "" })
            #expect(overall.status == .serving)
            for service in [
                "harvestry.echo.v1.EchoService", "harvestry.identity.v1.IdentityService",
                "harvestry.irrigation.v1.IrrigationService", "harvestry.batches.v1.BatchService",
            ] {
                #expect(try await health.check(.with { $0.service = service }).status == .serving)
            }
            // The data services answer: an unknown badge is refused by the database-backed login.
            let identity = Harvestry_Identity_V1_IdentityService.Client(wrapping: client)
            let error = await #expect(throws: RPCError.self) {
                try await identity.badgeLogin(
                    .with {
                        $0.badgeID = "NO-SUCH-BADGE"
                        $0.deviceID = "test"
                    }
                )
            }
            #expect(error?.code == .unauthenticated)
            // IrrigationService is registered (behind the auth interceptor), not UNIMPLEMENTED.
            let irrigation = Harvestry_Irrigation_V1_IrrigationService.Client(wrapping: client)
            let refused = await #expect(throws: RPCError.self) {
                try await irrigation.listRuns(.with { $0.parent = "sites/\(UUID().uuidString.lowercased())" })
            }
            #expect(refused?.code == .unauthenticated)
            // So is BatchService.
            let batches = Harvestry_Batches_V1_BatchService.Client(wrapping: client)
            let batchRefused = await #expect(throws: RPCError.self) {
                try await batches.listBatches(.with { $0.parent = "sites/\(UUID().uuidString.lowercased())" })
            }
            #expect(batchRefused?.code == .unauthenticated)
        }
        #expect(FileManager.default.fileExists(atPath: dataDir + "/postgres/postmaster.pid"))
        #expect(FileManager.default.fileExists(atPath: dataDir + "/token.key"))
        #expect(FileManager.default.fileExists(atPath: dataDir + "/mosquitto/mosquitto.pid"))
        #expect(FileManager.default.fileExists(atPath: dataDir + "/mqtt-client-id.0"), "no stable MQTT client id")

        #expect(await process.stop(grace: .seconds(5)) == 0)
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/postgres/postmaster.pid"), "postgres still running")
        let brokerPidFile = dataDir + "/mosquitto/mosquitto.pid"
        #expect(!FileManager.default.fileExists(atPath: brokerPidFile), "mosquitto still running")
    }

    @Test("MQTT_URL naming a broker that is down: serve still serves, logs the retries, and SIGTERM stops it")
    func brokerDown() async throws {
        let dataDir = "/tmp/harvestry-serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        chmod(dataDir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        // Port 1 on loopback: nothing listens there, so every connect is refused.
        let (process, log) = try await GatewayCommandTests.start(
            ["serve", "--port", "0", "--grace-period-seconds", "1", "--data-dir", dataDir],
            environment: ["MQTT_URL": "mqtt://127.0.0.1:1"],
            until: ["gRPC server listening", "cannot reach the MQTT broker"]
        )
        #expect(log.contains("broker=mqtt://127.0.0.1:1"), "\(log)")
        let address = try #require(GatewayCommandTests.logValue("address", on: "gRPC server listening", in: log))
        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { client in
            let status = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" })
            #expect(status.status == .serving)
        }
        #expect(process.isRunning, "serve exited before SIGTERM")
        process.process.terminate()
        #expect(await process.waitForExit(timeout: .seconds(5)) == 0, "serve kept waiting for the broker after SIGTERM")
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/postgres/postmaster.pid"), "postgres still running")
    }

    @Test("--no-migrate on a database that was never migrated exits non-zero at once and stops Postgres")
    func noMigrateOnFreshDatabase() async throws {
        let dataDir = "/tmp/harvestry-serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        chmod(dataDir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let result = try await Peer.run([
            Self.executable.path, "serve", "--port", "0", "--data-dir", dataDir, "--no-migrate",
        ])
        #expect(result.status != 0)
        #expect(result.output.contains("harvestry migrate"))
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/postgres/postmaster.pid"))
    }

    @Test(
        "a malformed setting exits non-zero naming it, before anything starts",
        arguments: [("MQTT_URL", "tcp://broker:1883"), ("HARVESTRY_SCHEDULER_GRACE_SECONDS", "-5")]
    )
    func badSetting(name: String, value: String) async throws {
        let result = try await Peer.run(
            [Self.executable.path, "serve", "--port", "0"],
            environment: [name: value]
        )
        #expect(result.status != 0)
        #expect(result.output.contains(name))
    }

    @Test("a bad flag exits non-zero naming the flag")
    func badFlag() async throws {
        let result = try await Peer.run([Self.executable.path, "serve", "--port", "99999"])
        #expect(result.status != 0)
        #expect(result.output.contains("--port"))
    }
}
