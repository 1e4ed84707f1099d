import ArgumentParser

/// The one Harvestry command line.
@main
struct Harvestry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvestry",
        abstract: "The backend of a cultivation facility: gRPC services, device links and a simulator.",
        subcommands: [
            Serve.self, GatewayCommand.self, Migrate.self, Audit.self, Seed.self, Login.self, Bench.self, Sim.self,
            EdgeCommand.self, EdgeSpoolWriter.self,
        ]
    )
}
