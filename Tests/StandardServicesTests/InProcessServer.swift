import GRPCCore
import GRPCInProcessTransport

/// Runs `services` on an in-process server and hands `body` a client connected to it; both shut down
/// gracefully when `body` returns, so an RPC that never ends makes the test hang (and time out).
func withInProcessServer<Result: Sendable>(
    _ services: [any RegistrableRPCService],
    body: (GRPCClient<InProcessTransport.Client>) async throws -> Result
) async throws -> Result {
    let transport = InProcessTransport()
    return try await withGRPCServer(transport: transport.server, services: services) { _ in
        try await withGRPCClient(transport: transport.client) { client in
            try await body(client)
        }
    }
}
