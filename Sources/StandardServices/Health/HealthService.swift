import API
import GRPCCore
import SwiftProtobuf

/// `grpc.health.v1.Health`: answers `Check`, `List` and `Watch` from a ``HealthProvider``.
///
/// `Check` fails with `NOT_FOUND` for a service without a status; `Watch` reports it as `SERVICE_UNKNOWN`
/// and keeps watching, since the service may be registered later. `List` fails with `RESOURCE_EXHAUSTED`
/// when more than ``maximumListSize`` services have a status.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    /// The statuses this service reports.
    public let provider: HealthProvider

    /// The most services `List` returns before it fails instead.
    public let maximumListSize: Int

    /// Creates the service over `provider`.
    public init(provider: HealthProvider = HealthProvider(), maximumListSize: Int = 100) {
        self.provider = provider
        self.maximumListSize = maximumListSize
    }

    /// Returns the status of the requested service, or throws `NOT_FOUND` if it has none.
    public func check(
        request: Grpc_Health_V1_HealthCheckRequest,
        context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = self.provider.allStatuses[request.service] else {
            throw RPCError(code: .notFound, message: "No health status for service '\(request.service)'.")
        }
        return .with { $0.status = status }
    }

    /// Returns every status, or throws `RESOURCE_EXHAUSTED` if there are more than ``maximumListSize``.
    public func list(
        request: Grpc_Health_V1_HealthListRequest,
        context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthListResponse {
        let statuses = self.provider.allStatuses
        guard statuses.count <= self.maximumListSize else {
            throw RPCError(
                code: .resourceExhausted,
                message: "\(statuses.count) services exceed the limit of \(self.maximumListSize) for List."
            )
        }
        return .with { response in
            response.statuses = statuses.mapValues { status in .with { $0.status = status } }
        }
    }

    /// Streams the requested service's status now and on every change until the client cancels or the
    /// provider shuts down.
    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        let updates = self.provider.statusUpdates(forService: request.service)
        // The transport signals a cancelled or shut-down RPC through the context rather than by cancelling
        // this task; finishing the stream ends the loop below and forgets the watcher.
        try await withRPCCancellationHandler {
            var lastSent: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
            for await status in updates.stream where status != lastSent {
                try await response.write(.with { $0.status = status })
                lastSent = status
            }
        } onCancelRPC: {
            updates.continuation.finish()
        }
    }
}
