import Bus
import Domain
import Logging
import Store

extension CommandDispatcher {
    /// The dispatcher `harvestry serve` runs beside ingest: the service pool's database (LISTEN on it too), the
    /// server's broker, a fresh client id per process (a clean session: the shared subscription hands acks to the
    /// instances that are up). `sink` is the run engine; until one is wired, settlements are only logged.
    public static func serving(
        database: PostgresClient,
        endpoint: MQTTEndpoint,
        sink: (any CommandSettlementSink)? = nil,
        logger: Logger
    ) -> CommandDispatcher {
        CommandDispatcher(
            outbox: PostgresIrrigationRepository(client: database),
            database: database,
            sink: sink ?? LoggingSettlementSink(logger: logger),
            configuration: .init(endpoint: endpoint),
            logger: logger
        )
    }
}

/// A sink that only logs: what `serving` uses when no run engine is wired.
public struct LoggingSettlementSink: CommandSettlementSink {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func commandsSettled(_ commands: [StoredCommand]) async {
        for stored in commands {
            self.logger.info(
                "device command settled",
                metadata: [
                    "command_id": "\(stored.command.id)", "site": "\(stored.siteID)",
                    "device": "\(stored.command.deviceID)", "status": "\(stored.command.status.rawValue)",
                ]
            )
        }
    }
}
