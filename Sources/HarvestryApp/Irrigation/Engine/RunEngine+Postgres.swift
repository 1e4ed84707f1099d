import Domain
import Foundation
import Logging
import Store

extension RunEngine {
    /// The engine over Postgres, as `harvestry serve` runs it: one `PostgresIrrigationRepository` is both the
    /// repository and the engine's store. Share the returned value with IrrigationService (run control) and the
    /// command dispatcher (settlement sink) so `updates(of:)` sees this instance's changes.
    public static func postgres(
        client: PostgresClient,
        configuration: RunEngineConfiguration = RunEngineConfiguration(),
        logger: Logger
    ) -> RunEngine {
        let repository = PostgresIrrigationRepository(client: client)
        return RunEngine(repository: repository, store: repository, configuration: configuration, logger: logger)
    }
}
