import API
import CoreTransport
import GRPCCore
import GRPCProtobuf

/// Sends one IngestReadings request: the gRPC client in the agent, a scripted stand-in in unit tests.
public protocol IngestSender: Sendable {
    func ingest(
        _ request: Harvestry_Telemetry_V1_IngestReadingsRequest
    ) async throws -> Harvestry_Telemetry_V1_IngestReadingsResponse
}

/// IngestReadings over a gRPC client with the bearer token and a deadline.
struct GRPCIngestSender<Transport: ClientTransport>: IngestSender {
    let client: Harvestry_Telemetry_V1_TelemetryService.Client<Transport>
    let metadata: Metadata
    let options: CallOptions

    init(client: GRPCClient<Transport>, token: String, timeout: Duration) {
        self.client = .init(wrapping: client)
        self.metadata = ["authorization": .string("Bearer \(token)")]
        var options = CallOptions.defaults
        options.timeout = timeout
        self.options = options
    }

    func ingest(
        _ request: Harvestry_Telemetry_V1_IngestReadingsRequest
    ) async throws -> Harvestry_Telemetry_V1_IngestReadingsResponse {
        try await self.client.ingestReadings(request, metadata: self.metadata, options: self.options)
    }
}
