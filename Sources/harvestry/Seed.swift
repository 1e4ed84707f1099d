import ArgumentParser
import Foundation
import Logging
import Store

/// `harvestry seed ...`: loads fixed data sets.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a fixed data set.",
        subcommands: [Pilot.self]
    )

    /// `harvestry seed pilot`: the pilot site of FRP W0 (Denver Grow Co.).
    struct Pilot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the pilot site (Denver Grow Co.); idempotent.",
            discussion: """
                Migrates first, then loads Denver Grow Co.'s Denver Main Facility: a Veg room with 4 zones, a Flower \
                room with 6, 10 users with roles and badges (DGC-1001 ... DGC-1010), 3 strains, 2 batches, 12 \
                sensors, 5 valves, 2 pumps, 2 irrigation controllers, the Sungrow inverter INV-1 with its 19 \
                streams, the pilot's irrigation and inventory locations. Ids are fixed; rows that exist are left alone, so \
                running it again changes nothing. Every row it inserts gets an audit row (request id seed:pilot).
                """
        )

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            bootstrapCommandLogging()
            let logger = Logger(label: "harvestry.seed")
            let report = try await self.database.withOwnerConninfo(logger: logger) { conninfo in
                try await Migrate.migrate(conninfo: conninfo, logger: logger)
                let client = PostgresClient(
                    configuration: .init(conninfo: conninfo, maximumConnections: 1),
                    logger: logger
                )
                defer { client.close() }
                return try await PilotSeed.load(client)
            }
            let organization = PilotSeed.organizationID.uuidString.lowercased()
            print(
                report.inserted == 0
                    ? "seed pilot: already loaded, nothing changed"
                    : "seed pilot: inserted \(report.inserted) rows (organization \(organization))"
            )
        }
    }
}
