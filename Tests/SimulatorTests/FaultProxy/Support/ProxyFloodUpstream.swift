import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 that writes to each connection as fast as the connection lets it (only while writable),
/// counting what it handed over: what it manages to write shows whether back-pressure reaches it.
final class ProxyFloodUpstream: Sendable {
    let channel: any Channel
    private let written: ProxyByteCounter

    private init(channel: any Channel, written: ProxyByteCounter) {
        self.channel = channel
        self.written = written
    }

    static func start() async throws -> ProxyFloodUpstream {
        let written = ProxyByteCounter()
        let channel = try await ServerBootstrap(group: ProxyFixture.loops)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FloodHandler(written: written))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ProxyFloodUpstream(channel: channel, written: written)
    }

    var port: Int { self.channel.localAddress?.port ?? 0 }
    var writtenBytes: Int { self.written.bytes }

    func stop() async {
        try? await self.channel.close().get()
    }
}

private final class FloodHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let written: ProxyByteCounter
    let block = ByteBuffer(repeating: 0x5A, count: 64 << 10)

    init(written: ProxyByteCounter) { self.written = written }

    func channelActive(context: ChannelHandlerContext) {
        self.flood(context)
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.flood(context)
        context.fireChannelWritabilityChanged()
    }

    private func flood(_ context: ChannelHandlerContext) {
        // Bounded per call; the next writability change continues.
        for _ in 0..<1024 where context.channel.isWritable && context.channel.isActive {
            context.write(Self.wrapOutboundOut(self.block), promise: nil)
            self.written.add(self.block.readableBytes)
        }
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
