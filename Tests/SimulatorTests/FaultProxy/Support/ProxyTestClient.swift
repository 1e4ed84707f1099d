import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP client for the proxy tests: sends bytes, records what comes back, whether and how the connection ended.
final class ProxyTestClient: Sendable {
    let channel: any Channel
    private let inbox: ProxyClientInbox

    private init(channel: any Channel, inbox: ProxyClientInbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// `reading: false` reads nothing until `startReading()`: a slow peer.
    static func connect(
        port: Int,
        reading: Bool = true,
        group: any EventLoopGroup = ProxyFixture.loops
    ) async throws -> ProxyTestClient {
        let inbox = ProxyClientInbox()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return ProxyTestClient(channel: channel, inbox: inbox)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    var received: [UInt8] { self.inbox.state.withLock { $0.bytes } }
    var receivedCount: Int { self.inbox.state.withLock { $0.bytes.count } }
    var isClosed: Bool { self.inbox.state.withLock { $0.closed } }
    /// The connection ended with ECONNRESET (a TCP RST).
    var wasReset: Bool { self.inbox.state.withLock { $0.errno == ECONNRESET } }

    /// Waits (at most `timeout`) until `count` bytes arrived.
    @discardableResult
    func waitForBytes(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await ProxyFixture.eventually(timeout: timeout) { self.receivedCount >= count }
    }

    @discardableResult
    func waitUntilClosed(timeout: Duration = .seconds(10)) async -> Bool {
        await ProxyFixture.eventually(timeout: timeout) { self.isClosed }
    }

    func startReading() async throws {
        try await self.channel.setOption(.autoRead, value: true).get()
    }

    func close() async {
        try? await self.channel.close().get()
    }
}

final class ProxyClientInbox: Sendable {
    let state = Mutex((bytes: [UInt8](), closed: false, errno: Int32(0)))
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: ProxyClientInbox

    init(inbox: ProxyClientInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            self.inbox.state.withLock { $0.bytes.append(contentsOf: bytes) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.inbox.state.withLock { $0.closed = true }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError { self.inbox.state.withLock { $0.errno = error.errnoCode } }
        context.close(promise: nil)
    }
}
