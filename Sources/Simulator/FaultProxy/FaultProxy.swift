import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A TCP fault proxy after Toxiproxy: listens on a loopback port, forwards each accepted connection to the upstream
/// (the broker), and applies the active toxics to the traffic both ways. Toxics are added and removed at run time,
/// open connections included; a timed toxic removes itself. Every application is a `FaultRecord` in a bounded log.
///
/// The decisions are made by the pure `ToxicTable` under a lock; the I/O runs on SwiftNIO event loops (never on the
/// Swift cooperative pool). docs/simulator.md, "Fault proxy", lists the toxics and the log record.
public final class FaultProxy: Sendable {
    public let configuration: Configuration
    let logger: Logger
    let group: any EventLoopGroup
    /// Time zero of the table's monotonic durations.
    private let origin: NIODeadline
    let state: Mutex<ProxyState>
    let onRecord: (@Sendable (FaultRecord) -> Void)?

    struct ProxyState {
        var table: ToxicTable
        var log: FaultLog
        var connections: [UInt64: ProxyConnection] = [:]
        var nextConnectionID: UInt64 = 1
        var server: (any Channel)?
        var stopped = false
    }

    /// `group` defaults to NIO's shared event loops. `onRecord` receives every fault record as it is logged, in
    /// sequence order (for the ground-truth recorder); it runs with the proxy's lock held, so it must be quick and
    /// must not call back into the proxy.
    public init(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "harvestry.sim.fault-proxy"),
        onRecord: (@Sendable (FaultRecord) -> Void)? = nil
    ) {
        self.onRecord = onRecord
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.origin = .now()
        self.state = Mutex(
            ProxyState(table: ToxicTable(seed: configuration.seed), log: FaultLog(capacity: configuration.logCapacity))
        )
    }

    /// Monotonic time since the proxy was made, the table's clock.
    var now: Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - self.origin.uptimeNanoseconds)) }

    func deadline(_ instant: Duration) -> NIODeadline { self.origin + .nanoseconds(ProxyTime.nanoseconds(instant)) }

    /// Starts listening; returns the port. Fails when already started or when the listener cannot bind.
    @discardableResult
    public func start() async throws(FaultProxyError) -> Int {
        try self.configuration.validate()
        guard self.state.withLock({ $0.server == nil && !$0.stopped }) else {
            throw FaultProxyError(
                code: .notRunning,
                message: "the proxy \(self.configuration.name) was already started"
            )
        }
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Nothing is read from a client before its upstream connection stands.
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyClientSideHandler(proxy: self))
                }
            }
        let server: any Channel
        do {
            server = try await bootstrap.bind(host: self.configuration.listenHost, port: self.configuration.listenPort)
                .get()
        } catch {
            throw FaultProxyError(
                code: .io,
                message: "the proxy \(self.configuration.name) cannot listen on "
                    + "\(self.configuration.listenHost):\(self.configuration.listenPort): \(error)"
            )
        }
        self.state.withLock { $0.server = server }
        let port = server.localAddress?.port ?? self.configuration.listenPort
        self.logger.info(
            "fault proxy listening",
            metadata: [
                "proxy": "\(self.configuration.name)", "port": "\(port)",
                "upstream": "\(self.configuration.upstreamHost):\(self.configuration.upstreamPort)",
            ]
        )
        return port
    }

    /// Starts, serves until the task is cancelled, then stops: the shape of ServiceLifecycle's `Service.run()`, so
    /// the runtime can run proxies in its service group.
    public func run() async throws {
        try await self.start()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await self.stop()
    }

    /// The listening port while started.
    public var port: Int? { self.state.withLock { $0.server?.localAddress?.port } }

    /// Stops listening and closes every connection. The proxy cannot be started again.
    public func stop() async {
        let (server, connections) = self.state.withLock { state in
            state.stopped = true
            defer {
                state.server = nil
                state.connections = [:]
            }
            return (state.server, Array(state.connections.values))
        }
        try? await server?.close().get()
        for connection in connections { connection.closeSoon() }
    }

    /// Connections currently forwarded.
    public var openConnectionCount: Int { self.state.withLock { $0.connections.count } }

    /// The active toxics, in the order they were added.
    public var toxics: [Toxic] { self.state.withLock { state in state.table.active.map(\.toxic) } }

    /// The fault log, oldest first.
    public var records: [FaultRecord] { self.state.withLock { $0.log.records } }

    /// Records the bounded log dropped.
    public var droppedRecordCount: Int { self.state.withLock { $0.log.droppedCount } }

    /// The fault log as JSON lines (see `FaultLog.jsonLines()`).
    public func exportLog() -> String { self.state.withLock { $0.log.jsonLines() } }
}
