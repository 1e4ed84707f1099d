import CoreTransport
import GRPCCore

/// Runs a `GRPCServer` on the C-core server transport at 127.0.0.1:<free port> and a `GRPCClient` on the C-core
/// client transport pointed at it, for the duration of `body`.
enum TransportHarness {
    static func run<Result: Sendable>(
        services: [any RegistrableRPCService] = [ConformanceService()],
        server serverConfig: CoreServerTransport.Config = .init(),
        client clientConfig: CoreClientTransport.Config = .init(),
        host: String = "127.0.0.1",
        _ body: @Sendable (GRPCClient<CoreClientTransport>, CoreServerTransport, GRPCServer<CoreServerTransport>) async throws -> Result
    ) async throws -> Result {
        let transport = CoreServerTransport(host: host, port: 0, config: serverConfig)
        let server = GRPCServer(transport: transport, services: services)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let address = try await transport.listeningAddress
            let clientTransport = try CoreClientTransport(target: address.description, config: clientConfig)
            let result = try await withGRPCClient(transport: clientTransport) { client in
                try await body(client, transport, server)
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }
}

extension TransportHarness {
    /// Runs only the server, for tests that need no client.
    static func runServer<Result: Sendable>(
        services: [any RegistrableRPCService] = [ConformanceService()],
        config: CoreServerTransport.Config = .init(),
        _ body: @Sendable (CoreServerTransport) async throws -> Result
    ) async throws -> Result {
        let transport = CoreServerTransport(host: "127.0.0.1", port: 0, config: config)
        let server = GRPCServer(transport: transport, services: services)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            _ = try await transport.listeningAddress
            let result = try await body(transport)
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }
}

extension GRPCClient {
    /// A unary call with raw bytes.
    func unaryBytes(
        method: MethodDescriptor = ConformanceService.unary,
        _ message: [UInt8],
        metadata: Metadata = [:],
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<[UInt8]> {
        try await self.unary(
            request: ClientRequest(message: message, metadata: metadata),
            descriptor: method,
            serializer: BytesCodec(),
            deserializer: BytesCodec(),
            options: options
        ) { $0 }
    }
}
