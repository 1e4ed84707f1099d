import NIOCore

/// Feeds what one side of a connection reads into the connection's pump for that flow.
final class ProxyRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// The flow the data read here travels: the client's reads go upstream, the server's downstream.
    let flow: FlowDirection
    var connection: ProxyConnection?

    init(flow: FlowDirection, connection: ProxyConnection?) {
        self.flow = flow
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.connection?.received(Self.unwrapInboundIn(data), on: self.flow)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connection?.sourceClosed(self.flow)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.connection?.writabilityChanged(ofSourceOf: self.flow)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset or broken pipe on one side ends the whole connection.
        self.connection?.close()
        context.close(promise: nil)
    }
}

/// The client side of a connection: admits it when it becomes active, then relays like `ProxyRelayHandler`.
final class ProxyClientSideHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let proxy: FaultProxy
    private let relay = ProxyRelayHandler(flow: .upstream, connection: nil)

    init(proxy: FaultProxy) { self.proxy = proxy }

    func channelActive(context: ChannelHandlerContext) {
        let (id, admission) = self.proxy.admit()
        guard admission == .accept else {
            context.close(promise: nil)
            return
        }
        let connection = ProxyConnection(id: id, client: context.channel, proxy: self.proxy)
        self.relay.connection = connection
        connection.connectUpstream()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.relay.channelRead(context: context, data: data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.relay.channelInactive(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.relay.channelWritabilityChanged(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.relay.errorCaught(context: context, error: error)
    }
}
