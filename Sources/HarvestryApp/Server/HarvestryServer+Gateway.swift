import Gateway
import Logging

extension HarvestryServer {
    /// The JSON gateway calling this server's services in process (no sockets, no serialization to the wire).
    ///
    /// - Parameter onListening: called with the bound port once the listener is up (port 0 picks one).
    public func gateway(
        configuration: GatewayConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> GatewayServer {
        try GatewayServer(
            configuration: configuration,
            upstream: DirectUpstream(transport: self.direct),
            logger: logger,
            onListening: onListening
        )
    }
}
