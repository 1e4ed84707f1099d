import API

/// The status a server reports for one of its services through `grpc.health.v1.Health`.
///
/// Only the two statuses a server sets are here; `UNKNOWN` and `SERVICE_UNKNOWN` are the protocol's
/// own answers for services nobody has reported on.
public enum HealthStatus: Sendable, Hashable {
    /// The service is ready for requests.
    case serving
    /// The service is not taking requests, for example while starting up or draining.
    case notServing

    var wireValue: Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        switch self {
        case .serving: .serving
        case .notServing: .notServing
        }
    }
}
