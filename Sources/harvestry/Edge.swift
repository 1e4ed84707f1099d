import ArgumentParser
import Edge
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `harvestry edge --config FILE`: the on-site agent (docs/edge.md). Polls the configured Modbus devices into the
/// durable spool, uploads the spool to the platform's IngestReadings, and serves /healthz and /metrics, until SIGTERM
/// or SIGINT.
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Run the edge agent: Modbus polling, durable spool, uplink to the platform (docs/edge.md)."
    )

    @Option(help: "The agent's config file (docs/edge.md \"Configuration\").") var config: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Flag(help: "Check the config file and exit.") var checkConfig = false

    func validate() throws {
        guard Logger.Level(rawValue: self.logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let configuration: EdgeConfiguration
        do {
            configuration = try EdgeConfiguration.load(path: self.config)
        } catch {
            throw ValidationError("\(error)")
        }
        if self.checkConfig {
            print("\(self.config): ok (\(configuration.devices.count) devices)")
            return
        }
        var logger = Logger(label: "harvestry.edge")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        let spool = try await FileSpool.open(configuration.spool, logger: logger)
        let uploader = try Uploader(
            spool: spool,
            spoolIdentity: await spool.identity,
            configuration: configuration.uplink,
            logger: logger
        )
        let poller = Poller(configuration: configuration, spool: spool, logger: logger)
        let health = EdgeHealthServer(
            host: configuration.health.host,
            port: configuration.health.port,
            spool: spool,
            uplink: uploader.metrics,
            sources: [poller],
            logger: logger
        )
        logger.info(
            "edge agent started",
            metadata: [
                "devices": "\(configuration.devices.count)", "uplink": "\(configuration.uplink.target)",
                "spool": "\(configuration.spool.directory)",
                "health": "\(configuration.health.host):\(configuration.health.port)",
            ]
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: PollerService(poller: poller)), .init(service: uploader), .init(service: health)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// The poller as a service: it polls until the group shuts down.
private struct PollerService: Service {
    let poller: Poller

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.poller.run()
        }
    }
}
