import Logging
import NIOCore
import NIOPosix
import Simulator
import Synchronization
import TestSupport
import Testing

/// A proxy in front of an `ProxyEchoUpstream`, both on 127.0.0.1, torn down after `body`.
enum ProxyFixture {
    static let logger: Logger = {
        var logger = Logger(label: "fault-proxy-tests")
        logger.logLevel = .error
        return logger
    }()

    /// The event loops of the proxy tests' proxies, clients and upstreams: their own, so that whatever else the
    /// test process runs on NIO's shared loops (gRPC, HTTP, other suites) cannot delay a reset or close a test
    /// waits for. Never shut down, like the shared ones.
    static let loops: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Separate loops for the throughput measurement, so its 16 MiB echo does not share threads with the timing
    /// tests that may run beside it.
    static let measurementLoops: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Separate loops for the reset test: twice in clean-clone CI its client saw neither the RST nor a close within
    /// 10 s although the proxy had reset the connection at 0.1 s, while the flood and back-pressure tests shared
    /// the proxy loops with it (alone it passed 25 of 25 runs).
    static let resetLoops: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func withProxy<T>(
        echo: Bool = true,
        group: String = "zone-a",
        loops: any EventLoopGroup = Self.loops,
        _ body: (FaultProxy, ProxyEchoUpstream, Int) async throws -> T
    ) async throws -> T {
        let upstream = try await ProxyEchoUpstream.start(echo: echo, group: loops)
        let proxy = FaultProxy(
            .init(name: "test-proxy", group: group, upstreamPort: upstream.port),
            group: loops,
            logger: Self.logger
        )
        do {
            let port = try await proxy.start()
            let value = try await body(proxy, upstream, port)
            await proxy.stop()
            await upstream.stop()
            return value
        } catch {
            await proxy.stop()
            await upstream.stop()
            throw error
        }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` (counted in polls: `pollUntil`) passes.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        await pollUntil(timeout: timeout, every: .milliseconds(10), condition)
    }

    /// `eventually` as an expectation (a failure points at the caller).
    static func expectEventually(
        timeout: Duration = .seconds(10),
        _ comment: Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () -> Bool
    ) async {
        let held = await Self.eventually(timeout: timeout, condition)
        #expect(held, comment, sourceLocation: sourceLocation)
    }

    static func bytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) }
    }
}

extension FaultProxy {
    func records(_ effect: FaultEffect) -> [FaultRecord] { self.records.filter { $0.effect == effect } }
}

/// Collects the records a proxy streams through `onRecord`.
final class ProxyRecordSink: Sendable {
    private let stored = Mutex<[FaultRecord]>([])
    var records: [FaultRecord] { self.stored.withLock { $0 } }
    func append(_ record: FaultRecord) { self.stored.withLock { $0.append(record) } }
}
