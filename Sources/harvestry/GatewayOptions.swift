import ArgumentParser
import Gateway
import HarvestryApp
import Logging
import ServiceLifecycle

/// The JSON gateway's listener options, shared by `serve` and `gateway`.
struct GatewayOptions: ParsableArguments {
    @Option(help: "Interface of the JSON gateway (env HARVESTRY_HTTP_HOST; default the gRPC --host, or 127.0.0.1).")
    var httpHost: String?

    @Option(help: "Port of the JSON gateway; 0 picks a free one (env HARVESTRY_HTTP_PORT; default 8080).")
    var httpPort: String?

    @Option(help: "Comma-separated origins allowed by CORS, or * (env HARVESTRY_CORS_ORIGINS; default none).")
    var corsOrigins: String?

    @Option(help: "Largest JSON request body in bytes (env HARVESTRY_MAX_BODY_BYTES; default 4194304).")
    var maxBodyBytes: String?

    func settings(noGateway: Bool) -> GatewaySettings {
        var flags: [GatewaySettings.Key: String] = [:]
        flags[.httpHost] = self.httpHost
        flags[.httpPort] = self.httpPort
        flags[.corsOrigins] = self.corsOrigins
        flags[.maxBodyBytes] = self.maxBodyBytes
        if noGateway { flags[.noGateway] = "true" }
        return GatewaySettings(flags: flags, environment: Environment.current)
    }
}

/// `serve`'s gateway options: the listener's, and `--no-gateway`.
struct ServeGatewayOptions: ParsableArguments {
    @OptionGroup var listener: GatewayOptions

    @Flag(help: "Do not run the JSON gateway beside the gRPC server (env HARVESTRY_NO_GATEWAY=1).")
    var noGateway = false

    /// The gateway's configuration, or nil with `--no-gateway`; a bad value is a `ValidationError` naming it.
    /// Serve checks it before it opens the database.
    func configuration(host: String) throws -> GatewayConfiguration? {
        do {
            return try self.listener.settings(noGateway: self.noGateway).configuration(defaultHost: host)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The gateway service calling `server`'s services in process, unless turned off.
    static func services(
        _ configuration: GatewayConfiguration?,
        beside server: HarvestryServer,
        logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let configuration else { return [] }
        return [.init(service: try server.gateway(configuration: configuration, logger: logger))]
    }
}
