import ArgumentParser
import Bus
import CoreTransport
import Gateway
import HarvestryApp
import Logging
import Metrics
import ServiceLifecycle
import Store
import UnixSignals

/// `harvestry serve`: runs the gRPC server until SIGINT or SIGTERM, then drains it.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gRPC server.",
        discussion: """
            Every option can also come from the environment variable named after it \
            (HARVESTRY_HOST, HARVESTRY_PORT, HARVESTRY_TLS_CERT, ...); a flag wins over the environment. \
            Without --database-url (DATABASE_URL) the server runs a private PostgreSQL in --data-dir, \
            migrates it, and stops it on exit; without --mqtt-url (MQTT_URL) it runs a private Mosquitto there \
            on a free loopback port, likewise stopped on exit.
            """
    )

    @Option(help: "Interface to listen on (env HARVESTRY_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (env HARVESTRY_PORT; default 50051).")
    var port: String?

    @Option(help: "PEM certificate chain; enables TLS together with --tls-key (env HARVESTRY_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert (env HARVESTRY_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "PEM roots that client certificates must chain to (env HARVESTRY_TLS_CLIENT_CA).")
    var tlsClientCa: String?

    @Flag(help: "Require a client certificate signed by --tls-client-ca (mutual TLS).")
    var requireClientCert = false

    @Option(help: "Largest message accepted or sent, in bytes (env HARVESTRY_MAX_MESSAGE_BYTES; default 4194304).")
    var maxMessageBytes: String?

    @Option(help: "Keepalive ping interval in seconds; 0 disables (env HARVESTRY_KEEPALIVE_SECONDS; default 0).")
    var keepaliveSeconds: String?

    @Option(help: "Response compression: none, deflate or gzip (env HARVESTRY_COMPRESSION; default none).")
    var compression: String?

    @Option(help: "Seconds running calls may take to finish after SIGTERM (env HARVESTRY_GRACE_SECONDS; default 10).")
    var gracePeriodSeconds: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical (env HARVESTRY_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "libpq URL or connection string of the database (env DATABASE_URL); default: embedded server.")
    var databaseUrl: String?

    @Option(help: "Broker of the device protocol, mqtt://host:port (env MQTT_URL); default: embedded mosquitto.")
    var mqttUrl: String?

    @Option(
        help: ArgumentHelp(
            "MQTT client id of this instance's persistent ingest session, unique per instance "
                + "(env HARVESTRY_MQTT_CLIENT_ID; default: generated once and kept in <data dir>/mqtt-client-id.N)."
        )
    )
    var mqttClientId: String?

    @Option(
        help:
            "Directory of the embedded server's data and the token key file (env HARVESTRY_DATA_DIR; default .harvestry)."
    )
    var dataDir: String?

    @Flag(help: "Do not apply pending migrations on start (env HARVESTRY_NO_MIGRATE=1).")
    var noMigrate = false

    @Option(
        help:
            "Secret (32+ bytes) that signs session tokens, the same on every instance (env HARVESTRY_TOKEN_KEY); default: <data dir>/token.key."
    )
    var tokenKey: String?

    @OptionGroup(title: "JSON gateway") var gateway: ServeGatewayOptions

    func run() async throws {
        let settings = Settings(flags: self.flagValues, environment: Environment.current)
        let configuration: ServeConfiguration
        let data: DataConfiguration
        let mqtt: MQTTEndpoint?
        let mqttClientID: String?
        let level: Logger.Level
        let signer: SessionTokenSigner
        let scheduler: IrrigationScheduler.Configuration
        do {
            configuration = try settings.serveConfiguration()
            data = try settings.dataConfiguration()
            mqtt = try settings.mqttEndpoint()
            mqttClientID = try settings.mqttClientID()
            level = try settings.logLevel()
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        do {
            scheduler = try IrrigationScheduler.Configuration(environment: Environment.current)
        } catch {
            throw ValidationError("\(error)")
        }
        // Every flag is checked before the database starts.
        let gatewayConfiguration = try self.gateway.configuration(host: configuration.host)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // The swift-metrics of this process (the MQTT consumer's) are served by the gateway's /metrics.
        MetricsSystem.bootstrap(PrometheusRegistry())
        let logger = Logger(label: "harvestry")
        do {
            signer = try SessionTokenSigner(key: try data.tokenKey())
        } catch {
            throw ValidationError(error.description)
        }
        let ingestClientID: IngestClientID
        if let mqttClientID {
            ingestClientID = .configured(mqttClientID)
        } else {
            do {
                ingestClientID = try IngestClientID.claim(inDirectory: data.dataDirectory)
            } catch {
                throw ValidationError(error.description)
            }
        }
        defer { ingestClientID.release() }
        let database = try await HarvestryDatabase.open(data, logger: logger)
        let bus: HarvestryBus
        do {
            bus = try await HarvestryBus.open(url: mqtt, dataDirectory: data.dataDirectory, logger: logger)
        } catch {
            await database.close()
            throw error
        }
        do {
            let telemetry = TelemetryServices(client: database.client, logger: logger)
            let runEngine = RunEngine.postgres(client: database.client, logger: logger)
            let server = try HarvestryServer(
                configuration: configuration,
                logger: logger,
                data: DataServices(
                    identity: PostgresIdentityRepository(client: database.client),
                    spatial: PostgresSpatialRepository(client: database.client),
                    signer: signer,
                    telemetry: telemetry,
                    irrigation: IrrigationServices(
                        repository: PostgresIrrigationRepository(client: database.client),
                        runControl: runEngine
                    ),
                    batches: PostgresBatchRepository(client: database.client)
                )
            )
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: server),
                        .init(
                            service: TelemetryMaintenance(
                                repository: PostgresTelemetryRepository(client: database.client),
                                logger: logger
                            )
                        ),
                        .init(service: runEngine),
                        .init(
                            service: MQTTIngest(
                                pipeline: telemetry.pipeline,
                                configuration: .persistent(endpoint: bus.endpoint, clientID: ingestClientID),
                                logger: logger
                            )
                        ),
                        .init(
                            service: CommandDispatcher.serving(
                                database: database.client,
                                endpoint: bus.endpoint,
                                sink: runEngine,
                                logger: logger
                            )
                        ),
                    ]
                        + (try ServeGatewayOptions.services(gatewayConfiguration, beside: server, logger: logger))
                        + (try IrrigationScheduler.services(
                            client: database.client,
                            runControl: runEngine,
                            configuration: scheduler,
                            logger: logger
                        )),
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
        } catch {
            await bus.close()
            await database.close()
            throw error
        }
        await bus.close()
        await database.close()
    }

    private var flagValues: [Settings.Key: String] {
        var values: [Settings.Key: String] = [:]
        values[.host] = self.host
        values[.port] = self.port
        values[.tlsCert] = self.tlsCert
        values[.tlsKey] = self.tlsKey
        values[.tlsClientCA] = self.tlsClientCa
        values[.maxMessageBytes] = self.maxMessageBytes
        values[.keepaliveSeconds] = self.keepaliveSeconds
        values[.compression] = self.compression
        values[.gracePeriodSeconds] = self.gracePeriodSeconds
        values[.logLevel] = self.logLevel
        if self.requireClientCert { values[.requireClientCert] = "true" }
        values[.databaseURL] = self.databaseUrl
        values[.dataDir] = self.dataDir
        values[.tokenKey] = self.tokenKey
        values[.mqttURL] = self.mqttUrl
        values[.mqttClientID] = self.mqttClientId
        if self.noMigrate { values[.noMigrate] = "true" }
        return values
    }
}
