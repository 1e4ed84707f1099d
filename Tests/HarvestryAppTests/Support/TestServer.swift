import API
import Bus
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import Gateway
import HarvestryApp
import Logging
import ServiceLifecycle
import Store
import SwiftProtobuf
import Testing

/// A real Harvestry server (all services, the auth interceptor) on 127.0.0.1:<free port> over the suite's database,
/// and a client to it through the C-core client transport. With `gateway`, the JSON gateway runs beside it on
/// 127.0.0.1:<free port>, wired as `harvestry serve` wires it: one ServiceGroup, the gateway calling the server's
/// services in process, its configuration from `GatewaySettings`. With `mqtt`, the MQTT ingest consumer runs in the
/// same group against that broker, and `body` starts once it has subscribed. With `runControl`, IrrigationService
/// calls that run control (a real `RunEngine`) instead of the recording stand-in.
struct TestServer: Sendable {
    static let key = Array("test-key-test-key-test-key-test-key".utf8)

    let identity: Harvestry_Identity_V1_IdentityService.Client<CoreClientTransport>
    let spatial: Harvestry_Spatial_V1_SpatialService.Client<CoreClientTransport>
    let telemetry: Harvestry_Telemetry_V1_TelemetryService.Client<CoreClientTransport>
    let irrigation: Harvestry_Irrigation_V1_IrrigationService.Client<CoreClientTransport>
    let batches: Harvestry_Batches_V1_BatchService.Client<CoreClientTransport>
    /// The run engine's stand-in behind IrrigationService: what it was asked.
    let runControl: RecordingRunControl
    let address: String
    /// The JSON gateway's port (when started with `gateway: true`).
    let httpPort: Int?
    /// The server itself (its in-process transport, for the gateway) and its telemetry wiring.
    let server: HarvestryServer
    let telemetryServices: TelemetryServices

    @discardableResult
    static func with<T: Sendable>(
        _ database: AppDatabase,
        key: [UInt8] = TestServer.key,
        gateway: Bool = false,
        mqtt: MQTTIngest.Configuration? = nil,
        ingestMetrics: MQTTIngestMetrics = MQTTIngestMetrics(),
        runControl realRunControl: (any IrrigationRunControl)? = nil,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(
            configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 4),
            logger: TestDirectory.logger
        )
        defer { client.close() }
        let telemetry = TelemetryServices(client: client, logger: TestDirectory.logger)
        let irrigationRepository = PostgresIrrigationRepository(client: client)
        let runControl = RecordingRunControl(repository: irrigationRepository)
        let server = try HarvestryServer(
            configuration: ServeConfiguration(host: "127.0.0.1", port: 0),
            logger: TestDirectory.logger,
            data: DataServices(
                identity: PostgresIdentityRepository(client: client),
                spatial: PostgresSpatialRepository(client: client),
                signer: try SessionTokenSigner(key: key),
                telemetry: telemetry,
                irrigation: IrrigationServices(repository: irrigationRepository, runControl: realRunControl ?? runControl),
                batches: PostgresBatchRepository(client: client)
            )
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        if gateway {
            let settings = GatewaySettings(flags: [.httpPort: "0"], environment: [:])
            let configuration = try #require(try settings.configuration(defaultHost: "127.0.0.1"))
            services.append(
                .init(
                    service: try server.gateway(
                        configuration: configuration,
                        logger: TestDirectory.logger,
                        onListening: { portContinuation.yield($0) }
                    )
                )
            )
        }
        let (subscribed, subscribedContinuation) = AsyncStream<Void>.makeStream()
        if let mqtt {
            services.append(
                .init(
                    service: MQTTIngest(
                        pipeline: telemetry.pipeline,
                        configuration: mqtt,
                        logger: TestDirectory.logger,
                        metrics: ingestMetrics,
                        onSubscribed: { subscribedContinuation.yield() }
                    )
                )
            )
        }
        let group = ServiceGroup(configuration: .init(services: services, logger: TestDirectory.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let address = try await server.transport.listeningAddress.description
            var httpPort: Int?
            if gateway {
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw GatewayNeverListened() }
                httpPort = port
            }
            if mqtt != nil {
                var iterator = subscribed.makeAsyncIterator()
                guard await iterator.next() != nil else { throw IngestNeverSubscribed() }
            }
            let result = try await withGRPCClient(transport: try CoreClientTransport(target: address)) { grpc in
                try await body(
                    TestServer(
                        identity: .init(wrapping: grpc),
                        spatial: .init(wrapping: grpc),
                        telemetry: .init(wrapping: grpc),
                        irrigation: .init(wrapping: grpc),
                        batches: .init(wrapping: grpc),
                        runControl: runControl,
                        address: address,
                        httpPort: httpPort,
                        server: server,
                        telemetryServices: telemetry
                    )
                )
            }
            // As SIGTERM would: the gateway stops listening and the server drains (cancelling instead makes the
            // HTTP listener log errors).
            await group.triggerGracefulShutdown()
            try await tasks.next()
            return result
        }
    }

    /// Logs in with a badge and returns the session.
    func login(_ badge: String, device: String = "test-kiosk") async throws -> TestSession {
        let response = try await self.identity.badgeLogin(
            .with {
                $0.badgeID = badge
                $0.deviceID = device
            }
        )
        return TestSession(response: response)
    }
}

struct GatewayNeverListened: Error {}
struct IngestNeverSubscribed: Error {}

struct TestSession: Sendable {
    let response: Harvestry_Identity_V1_BadgeLoginResponse
    var token: String { self.response.token }
    var metadata: Metadata { ["authorization": .string("Bearer \(self.token)")] }
}

/// Runs `body`, expects it to fail with `code` and, when given, the ErrorInfo `reason`; returns the decoded status.
@discardableResult
func expectStatus(
    _ code: RPCError.Code,
    reason: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> GoogleRPCStatus? {
    do {
        try await body()
        Issue.record("expected \(code), the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as RPCError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        let status = try? error.unpackGoogleRPCStatus()
        if let reason {
            #expect(status?.errorInfo?.reason == reason, "\(error)", sourceLocation: sourceLocation)
        }
        return status
    } catch let status as GoogleRPCStatus {
        // Thrown in-process (not through a transport): the same status, not yet flattened into an RPCError.
        #expect(status.code == code, "\(status)", sourceLocation: sourceLocation)
        if let reason {
            #expect(status.errorInfo?.reason == reason, "\(status)", sourceLocation: sourceLocation)
        }
        return status
    } catch {
        Issue.record("expected an RPCError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension GoogleRPCStatus {
    var errorInfo: ErrorDetails.ErrorInfo? {
        self.details.lazy.compactMap { $0.errorInfo }.first
    }

    var fieldViolations: [ErrorDetails.BadRequest.FieldViolation] {
        self.details.compactMap { $0.badRequest }.flatMap(\.violations)
    }
}
