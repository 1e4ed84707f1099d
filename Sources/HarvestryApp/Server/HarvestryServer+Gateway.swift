import GRPCInProcessTransport
import Gateway
import Logging

extension HarvestryServer {
    /// The JSON gateway calling this server's services in process (no sockets, no serialization to the wire).
    public func gateway(configuration: GatewayConfiguration, logger: Logger) throws -> GatewayServer {
        try GatewayServer(
            configuration: configuration,
            upstream: ClientUpstream(transport: self.inProcess.client),
            logger: logger
        )
    }
}
