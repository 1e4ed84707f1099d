import API
import CoreTransport
import Foundation
import GRPCCore
import Gateway
import Logging
import Simulator
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small simulated site (a controller with one valve, a climate sensor) behind a `FaultInjector`, served by
/// `SimulatorService` on the C-core transport at 127.0.0.1:<free port>; optionally the JSON gateway in front of it,
/// calling it over the C-core client transport as `harvestry gateway --upstream` does.
struct SimulatorServiceFixture: Sendable {
    static let start = SimInstant(secondsSinceEpoch: 1_764_500_400)

    let site: SiteSimulationFaultTarget
    let injector: FaultInjector
    let clock: FixtureClock
    let client: Harvestry_Simulator_V1_SimulatorService.Client<CoreClientTransport>
    /// The gRPC server's host:port.
    let address: String?
    /// The gateway's port, when started with one.
    let httpPort: Int?

    static func spec() -> SiteSpec {
        SiteSpec(
            site: "site-1",
            zones: [ZoneSpec(id: "zone-1", code: "Z1")],
            devices: [
                DeviceSpec(id: "ctl-1", code: "CTL-1", kind: .irrigationController),
                DeviceSpec(id: "vlv-1", code: "VLV-1", kind: .valve, zone: "zone-1", controller: "ctl-1"),
                DeviceSpec(id: "clim-1", code: "CLIM-1", kind: .climateSensor),
            ]
        )
    }

    static func with<Result: Sendable>(
        gateway: Bool = false,
        _ body: @Sendable (SimulatorServiceFixture) async throws -> Result
    ) async throws -> Result {
        let site = SiteSimulationFaultTarget(SiteSimulation(spec: Self.spec(), seed: 1, start: Self.start))
        let clock = FixtureClock()
        let injector = FaultInjector(targets: .init(devices: site), clock: { clock.read() }, log: { _ in })
        let transport = CoreServerTransport(host: "127.0.0.1", port: 0)
        let server = GRPCServer(transport: transport, services: [SimulatorService(injector: injector)])
        var logger = Logger(label: "simulator-service-tests")
        logger.logLevel = .warning
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let address = try await transport.listeningAddress.description
            var httpPort: Int?
            if gateway {
                let (ports, portContinuation) = AsyncStream<Int>.makeStream()
                let gatewayServer = try GatewayServer(
                    configuration: GatewayConfiguration(
                        host: "127.0.0.1",
                        port: 0,
                        maxBodyBytes: 64 * 1024,
                        corsOrigins: []
                    ),
                    upstream: ClientUpstream(transport: try CoreClientTransport(target: address)),
                    logger: logger,
                    onListening: { portContinuation.yield($0) }
                )
                group.addTask { try await gatewayServer.run() }
                var iterator = ports.makeAsyncIterator()
                httpPort = await iterator.next()
            }
            let port = httpPort
            let result = try await withGRPCClient(transport: try CoreClientTransport(target: address)) { grpc in
                try await body(
                    SimulatorServiceFixture(
                        site: site,
                        injector: injector,
                        clock: clock,
                        client: .init(wrapping: grpc),
                        address: address,
                        httpPort: port
                    )
                )
            }
            group.cancelAll()
            server.beginGracefulShutdown()
            return result
        }
    }

    /// Moves the simulation's clock.
    func advance(by duration: Duration) {
        let now = self.clock.advance(by: duration)
        _ = self.site.withSimulation { $0.advance(to: now) }
    }

    /// A JSON request to the gateway; returns the status and the body as a JSON object.
    func http(_ method: String, _ path: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        let port = try #require(self.httpPort)
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let status = try #require(response as? HTTPURLResponse).statusCode
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (status, try #require(object))
    }
}

/// The simulation's clock as the test moves it.
final class FixtureClock: Sendable {
    private let now = Mutex(SimulatorServiceFixture.start)

    func read() -> SimInstant { self.now.withLock { $0 } }

    func advance(by duration: Duration) -> SimInstant {
        self.now.withLock {
            $0 = $0 + duration
            return $0
        }
    }
}
