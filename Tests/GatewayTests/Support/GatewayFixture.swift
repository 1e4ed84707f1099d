import Foundation
import GRPCCore
import Gateway
import HarvestryApp
import Logging
import StandardServices

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real gateway on 127.0.0.1 port 0, in front of the test service, EchoService and health, served in process.
enum GatewayFixture {
    static func configuration(
        corsOrigins: [String] = ["https://app.example.com"],
        maxBodyBytes: Int = 64 * 1024
    )
        -> GatewayConfiguration
    {
        GatewayConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, corsOrigins: corsOrigins) { _ in
            true
        }
    }

    static func withGateway<Result: Sendable>(
        _ configuration: GatewayConfiguration = Self.configuration(),
        _ body: @Sendable (HTTPClient, Gateway) async throws -> Result
    ) async throws -> Result {
        let direct = DirectServerTransport()
        let server = GRPCServer(
            transport: direct,
            services: [TranscodingTestService(), EchoService(), HealthService(provider: HealthProvider())]
        )
        var logger = Logger(label: "gateway-tests")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let gateway = try GatewayServer(
            configuration: configuration,
            upstream: DirectUpstream(transport: direct),
            logger: logger,
            onListening: { portContinuation.yield($0) }
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            group.addTask { try await gateway.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw FixtureError(message: "the gateway never listened") }
            let client = HTTPClient(port: port)
            do {
                let result = try await body(client, gateway.gateway)
                group.cancelAll()
                server.beginGracefulShutdown()
                return result
            } catch {
                group.cancelAll()
                server.beginGracefulShutdown()
                throw error
            }
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}

/// A response as a test reads it: status, headers by lowercased name, body.
struct HTTPResult: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: self.body) as? [String: Any] else {
            throw FixtureError(message: "not a JSON object: \(self.text)")
        }
        return object
    }

    /// `error` of a google.rpc.Status body.
    func error() throws -> [String: Any] {
        guard let error = try self.json()["error"] as? [String: Any] else {
            throw FixtureError(message: "no error object: \(self.text)")
        }
        return error
    }
}

/// URLSession (FoundationNetworking) against the gateway under test.
struct HTTPClient: Sendable {
    let port: Int

    func send(
        _ method: String,
        _ path: String,
        headers: [String: String] = [:],
        body: String? = nil
    ) async throws -> HTTPResult {
        guard let url = URL(string: "http://127.0.0.1:\(self.port)\(path)") else {
            throw FixtureError(message: "bad path \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw FixtureError(message: "not an HTTP response") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return HTTPResult(status: http.statusCode, headers: fields, body: data)
    }
}
