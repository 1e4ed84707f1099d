import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

extension IrrigationScheduler {
    /// The scheduler of `harvestry serve` over the server's database, starting runs through the server's run engine.
    /// Several instances may each run one.
    public static func services(
        client: PostgresClient,
        runControl: any IrrigationRunControl,
        configuration: Configuration,
        logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let scheduler = try IrrigationScheduler(
            repository: PostgresScheduleFireRepository(client: client),
            phases: PostgresPhaseFireRepository(client: client),
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
