import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that counts what it receives and (unless told not to) echoes it back: the upstream the
/// proxy tests forward to.
final class ProxyEchoUpstream: Sendable {
    let channel: any Channel
    let counter: ProxyByteCounter

    private init(channel: any Channel, counter: ProxyByteCounter) {
        self.channel = channel
        self.counter = counter
    }

    static func start(
        echo: Bool = true,
        group: any EventLoopGroup = ProxyFixture.loops
    ) async throws -> ProxyEchoUpstream {
        let counter = ProxyByteCounter()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(counter: counter, echo: echo))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyEchoUpstream(channel: channel, counter: counter)
    }

    var port: Int { self.channel.localAddress?.port ?? 0 }
    var receivedBytes: Int { self.counter.bytes }
    var acceptedConnections: Int { self.counter.connections }

    func stop() async {
        try? await self.channel.close().get()
    }
}

final class ProxyByteCounter: Sendable {
    private let state = Mutex((bytes: 0, connections: 0))
    var bytes: Int { self.state.withLock { $0.bytes } }
    var connections: Int { self.state.withLock { $0.connections } }
    func add(_ count: Int) { self.state.withLock { $0.bytes += count } }
    func connected() { self.state.withLock { $0.connections += 1 } }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let counter: ProxyByteCounter
    let echo: Bool

    init(counter: ProxyByteCounter, echo: Bool) {
        self.counter = counter
        self.echo = echo
    }

    func channelActive(context: ChannelHandlerContext) {
        self.counter.connected()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        self.counter.add(buffer.readableBytes)
        if self.echo { context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
