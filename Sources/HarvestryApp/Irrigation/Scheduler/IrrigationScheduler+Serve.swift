import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

extension IrrigationScheduler {
    /// The scheduler of `harvestry serve` over the server's database: one service when there is a run engine to
    /// start runs with, none (logged) otherwise. Several instances may each run one.
    ///
    /// Note for the merge: `runControl` is the run engine (`IrrigationRunControl`, the irrigation-engine helper's
    /// `RunEngine`); until the server holds one, `serve` passes nil and no program starts by schedule.
    public static func services(
        client: PostgresClient,
        runControl: (any IrrigationRunControl)?,
        configuration: Configuration,
        logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let runControl else {
            logger.notice("irrigation scheduler off: this server has no irrigation run engine yet")
            return []
        }
        let scheduler = try IrrigationScheduler(
            repository: PostgresScheduleFireRepository(client: client),
            runControl: runControl,
            configuration: configuration,
            logger: logger
        )
        return [.init(service: scheduler)]
    }
}

extension IrrigationScheduler.Configuration {
    /// The defaults, with `HARVESTRY_SCHEDULER_GRACE_SECONDS` (0-86400) and `HARVESTRY_SCHEDULER_POLL_SECONDS`
    /// (1-3600) when set; an invalid value is an error naming the variable.
    public init(environment: [String: String]) throws {
        self.init()
        if let text = environment["HARVESTRY_SCHEDULER_GRACE_SECONDS"] {
            self.grace = .seconds(try Self.seconds(text, name: "HARVESTRY_SCHEDULER_GRACE_SECONDS", in: 0...86_400))
        }
        if let text = environment["HARVESTRY_SCHEDULER_POLL_SECONDS"] {
            self.pollInterval = .seconds(
                try Self.seconds(text, name: "HARVESTRY_SCHEDULER_POLL_SECONDS", in: 1...3_600)
            )
        }
        try self.validate()
    }

    private static func seconds(_ text: String, name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw DomainError.invalid(
                name,
                "must be whole seconds \(range.lowerBound)...\(range.upperBound) (got '\(text.prefix(20))')"
            )
        }
        return value
    }
}
