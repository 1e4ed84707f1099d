import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The JSON gateway as a ServiceLifecycle service: a Hummingbird HTTP/1.1 listener in front of a `Gateway`, and
/// the upstream's connections. Graceful shutdown stops the listener after the requests in flight, then the
/// upstream client.
public struct GatewayServer: Service {
    public let gateway: Gateway
    private let configuration: GatewayConfiguration
    private let upstream: any GatewayUpstream
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void

    /// - Parameter onListening: called with the bound port once the listener is up (port 0 picks one).
    public init(
        configuration: GatewayConfiguration,
        upstream: any GatewayUpstream,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.gateway = try Gateway(configuration: configuration, upstream: upstream, logger: logger)
        self.configuration = configuration
        self.upstream = upstream
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let gateway = self.gateway
        let logger = self.logger
        let onListening = self.onListening
        let routes = gateway.table.routes.count
        let application = Application(
            responder: CallbackResponder { (request: Request, context: GatewayRequestContext) in
                await gateway.respond(to: request, context: context)
            },
            server: .http1WebSocketUpgrade { head, channel, _ in
                gateway.webSocketUpgrade(head, peer: channel.remoteAddress?.ipAddress)
            },
            configuration: ApplicationConfiguration(
                address: .hostname(self.configuration.host, port: self.configuration.port),
                serverName: nil
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("JSON gateway listening", metadata: ["port": "\(port)", "routes": "\(routes)"])
                await onListening(port)
            },
            logger: logger
        )
        let upstream = self.upstream
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await upstream.run() }
            try await application.run()
            upstream.beginGracefulShutdown()
        }
        logger.info("JSON gateway stopped")
    }
}
