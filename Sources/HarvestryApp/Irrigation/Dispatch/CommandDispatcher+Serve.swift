import Bus
import Domain
import Logging
import Store

extension CommandDispatcher {
    /// The dispatcher `harvestry serve` runs beside ingest: the service pool's database (LISTEN on it too), the
    /// server's broker, a fresh client id per process (a clean session: the shared subscription hands acks to the
    /// instances that are up). `sink` is the server's run engine.
    public static func serving(
        database: PostgresClient,
        endpoint: MQTTEndpoint,
        sink: any CommandSettlementSink,
        logger: Logger
    ) -> CommandDispatcher {
        CommandDispatcher(
            outbox: PostgresIrrigationRepository(client: database),
            database: database,
            sink: sink,
            configuration: .init(endpoint: endpoint),
            logger: logger
        )
    }
}
