import Bus
import Domain
import Logging
import Store

extension CommandDispatcher {
    /// The dispatcher `harvestry serve` runs beside ingest: claims and acks on connections of its own
    /// (`ownConnections`), LISTEN on the service pool's database, the server's broker, a fresh client id per process
    /// (a clean session: the shared subscription hands acks to the instances that are up). `sink` is the server's
    /// run engine.
    public static func serving(
        database: PostgresClient,
        endpoint: MQTTEndpoint,
        sink: any CommandSettlementSink,
        logger: Logger
    ) -> CommandDispatcher {
        let configuration = Configuration(endpoint: endpoint)
        return CommandDispatcher(
            outbox: PostgresIrrigationRepository(
                client: Self.ownConnections(like: database, for: configuration, logger: logger)
            ),
            database: database,
            sink: sink,
            configuration: configuration,
            logger: logger
        )
    }

    /// A pool for the dispatcher's claims and ack batches alone, on the same server and role as `database`: one
    /// connection for the claim loop, one per ack writer, one spare. On the shared pool they queued behind
    /// whatever else held its connections: at 1,000 commands/s all 16 were busy at times, 11 of them the bench's
    /// enqueue transactions waiting their turn for Postgres's NOTIFY commit lock, and the dispatcher claimed nothing
    /// meanwhile (docs/benchmarks.md). Its connections close when the pool is released (its deinit) or closed.
    public static func ownConnections(
        like database: PostgresClient,
        for configuration: Configuration,
        logger: Logger
    ) -> PostgresClient {
        PostgresClient(
            configuration: .init(
                conninfo: database.configuration.conninfo,
                maximumConnections: configuration.ackWriters + 2,
                role: database.configuration.role
            ),
            logger: logger
        )
    }
}
