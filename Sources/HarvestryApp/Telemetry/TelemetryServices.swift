import Domain
import Logging
import Store

/// What TelemetryService needs: the ingest pipeline (also the device links' entry point) and the realtime hub.
public struct TelemetryServices: Sendable {
    public let pipeline: TelemetryPipeline
    public let hub: ReadingHub

    public init(pipeline: TelemetryPipeline, hub: ReadingHub) {
        self.pipeline = pipeline
        self.hub = hub
    }

    /// Telemetry on the service pool: `client` stores readings and carries the LISTEN for the hub.
    public init(client: PostgresClient, logger: Logger) {
        self.init(
            pipeline: TelemetryPipeline(repository: PostgresTelemetryRepository(client: client), logger: logger),
            hub: ReadingHub(client: client, logger: logger)
        )
    }
}
