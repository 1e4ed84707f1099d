import CoreTransport
import GRPCCore
import HarvestryApp
import Logging

/// Runs the real Harvestry server (Echo, Health, Reflection) on 127.0.0.1:<free port> around `body`.
enum ServerFixture {
    static func withServer<Result: Sendable>(
        _ body: @Sendable (_ target: String) async throws -> Result
    ) async throws -> Result {
        let server = try HarvestryServer(
            configuration: ServeConfiguration(host: "127.0.0.1", port: 0),
            logger: Logger(label: "interop-test")
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let address = try await server.transport.listeningAddress
            defer { group.cancelAll() }
            return try await body(address.description)
        }
    }
}
