import API
import CoreTransport
import Domain
import GRPCCore
import Gateway
import Logging
import ServiceLifecycle
import StandardServices
import SwiftProtobuf

/// The gRPC server with every Harvestry service, as a ServiceLifecycle service.
///
/// Graceful shutdown marks every service NOT_SERVING (so load balancers drain it), stops accepting calls, and lets
/// running calls finish within the configured grace period.
public struct HarvestryServer: Service {
    public let transport: CoreServerTransport
    public let health: HealthProvider
    /// The same services in process, for the JSON gateway running beside them (`DirectUpstream`).
    public let direct: DirectServerTransport
    private let server: GRPCServer<CoreServerTransport>
    private let directServer: GRPCServer<DirectServerTransport>
    private let logger: Logger
    private let hub: ReadingHub?

    /// The server with the standard services and Echo; with `data`, also IdentityService and SpatialService (and
    /// TelemetryService, IrrigationService when `data` has them) behind the authentication interceptor.
    public init(configuration: ServeConfiguration, logger: Logger, data: DataServices? = nil) throws {
        try configuration.validate()
        self.logger = logger
        self.transport = CoreServerTransport(
            host: configuration.host,
            port: configuration.port,
            config: configuration.transport
        )
        self.health = HealthProvider()
        self.hub = data?.telemetry?.hub
        var services: [any RegistrableRPCService] = [
            EchoService(),
            HealthService(provider: self.health),
            try Self.reflection(),
        ]
        var served = [Harvestry_Echo_V1_EchoService.descriptor.fullyQualifiedService]
        var interceptors: [any ServerInterceptor] = []
        if let data {
            services.append(
                IdentityService(repository: data.identity, signer: data.signer, tokenLifetime: data.tokenLifetime)
            )
            services.append(SpatialService(repository: data.spatial))
            served.append(Harvestry_Identity_V1_IdentityService.descriptor.fullyQualifiedService)
            served.append(Harvestry_Spatial_V1_SpatialService.descriptor.fullyQualifiedService)
            if let telemetry = data.telemetry {
                services.append(TelemetryService(pipeline: telemetry.pipeline, hub: telemetry.hub))
                served.append(Harvestry_Telemetry_V1_TelemetryService.descriptor.fullyQualifiedService)
            }
            let identity = data.identity
            if let irrigation = data.irrigation {
                services.append(Self.irrigationService(irrigation, data: data))
                served.append(Harvestry_Irrigation_V1_IrrigationService.descriptor.fullyQualifiedService)
            }
            if let batches = data.batches {
                services.append(BatchService(repository: batches))
                served.append(Harvestry_Batches_V1_BatchService.descriptor.fullyQualifiedService)
            }
            interceptors.append(
                AuthInterceptor(
                    signer: data.signer,
                    resolve: { try await identity.principal(sessionID: $0) },
                    logger: logger,
                    recordActivity: { principal, interval in
                        try await identity.recordActivity(
                            sessionID: principal.sessionID,
                            interval: interval,
                            in: principal.scope
                        )
                    }
                )
            )
            interceptors.append(IdempotencyInterceptor(ledger: identity, logger: logger))
        }
        for name in served {
            self.health.setStatus(.serving, forService: name)
        }
        self.server = GRPCServer(transport: self.transport, services: services, interceptors: interceptors)
        self.direct = DirectServerTransport()
        self.directServer = GRPCServer(
            transport: self.direct,
            services: services,
            interceptors: interceptors
        )
    }

    /// IrrigationService, its ReArm authorized by the high-risk policy against the identity repository's sessions.
    static func irrigationService(_ irrigation: IrrigationServices, data: DataServices) -> IrrigationService {
        let identity = data.identity
        return IrrigationService(
            services: irrigation,
            spatial: data.spatial,
            authorizer: HighRiskAuthorizer(
                signer: data.signer,
                resolve: { try await identity.principal(sessionID: $0) }
            )
        )
    }

    /// Reflection over the embedded descriptor set, listing the services the gateway exposes: every one but those of
    /// `RouteTable.unservedPackages` (the test-only `harvestry.testing`, generated into API for the gateway's tests).
    static func reflection() throws -> ReflectionService {
        let set = try DescriptorSet.fileDescriptorSet()
        let names = set.file.flatMap { file in
            file.service.map { file.package.isEmpty ? $0.name : "\(file.package).\($0.name)" }
        }
        return try ReflectionService(
            fileDescriptorSet: set,
            serviceNames: names.filter(RouteTable.defaultExposure)
        )
    }

    public func run() async throws {
        let logger = self.logger
        let transport = self.transport
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.server.serve() }
                group.addTask { try await self.directServer.serve() }
                if let hub = self.hub {
                    group.addTask {
                        // The hub ends every Subscribe stream when it stops, so the servers can drain.
                        do { try await cancelWhenGracefulShutdown { try await hub.run() } } catch is CancellationError {}
                    }
                }
                let address = try await transport.listeningAddress
                logger.info("gRPC server listening", metadata: ["address": "\(address)"])
            }
        } onGracefulShutdown: {
            logger.info("shutting down: draining calls")
            self.health.enterShutdown()
            self.server.beginGracefulShutdown()
            self.directServer.beginGracefulShutdown()
        }
        logger.info("gRPC server stopped")
    }
}
