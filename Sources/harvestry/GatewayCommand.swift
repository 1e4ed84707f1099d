import ArgumentParser
import CoreTransport
import Gateway
import HarvestryApp
import Logging
import ServiceLifecycle
import UnixSignals

/// `harvestry gateway --upstream ADDR`: the JSON gateway alone, calling a gRPC server over the C-core transport.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run the JSON gateway alone, in front of a Harvestry gRPC server.",
        discussion: """
            `harvestry serve` runs the gateway beside the services already; this runs it on its own, calling \
            --upstream over gRPC (plaintext). Every option can also come from its environment variable.
            """
    )

    @Option(help: "host:port of the gRPC server to call (env HARVESTRY_UPSTREAM).")
    var upstream: String?

    @OptionGroup var listener: GatewayOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical (env HARVESTRY_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let environment = Environment.current
        guard let target = self.upstream ?? environment["HARVESTRY_UPSTREAM"], !target.isEmpty else {
            throw ValidationError("--upstream (or HARVESTRY_UPSTREAM) is required: host:port of the gRPC server")
        }
        let configuration: GatewayConfiguration
        let level: Logger.Level
        do {
            configuration = try self.listener.settings(noGateway: false).configuration(defaultHost: "127.0.0.1")!
            level = try Settings(flags: [.logLevel: self.logLevel].compactMapValues { $0 }, environment: environment)
                .logLevel()
        } catch {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "harvestry")
        let transport = try CoreClientTransport(target: target)
        let gateway = try GatewayServer(
            configuration: configuration,
            upstream: ClientUpstream(transport: transport),
            logger: logger
        )
        logger.info("JSON gateway calling upstream", metadata: ["upstream": "\(target)"])
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: gateway)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
