import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection and its upstream connection, both on one event loop. Every mutable field is touched only
/// on `eventLoop` (entry points from other threads hop there), which is what makes the `@unchecked Sendable` true.
final class ProxyConnection: @unchecked Sendable {
    let id: UInt64
    let eventLoop: any EventLoop
    let client: any Channel
    private(set) var upstream: (any Channel)?
    private let proxy: FaultProxy
    private var pumps: [FlowDirection: FlowPump] = [:]
    /// Pending resets and closes, by toxic id (cancelled when the toxic goes).
    private var timers: [UInt64: Scheduled<Void>] = [:]
    private(set) var isClosed = false

    init(id: UInt64, client: any Channel, proxy: FaultProxy) {
        self.id = id
        self.eventLoop = client.eventLoop
        self.client = client
        self.proxy = proxy
        self.pumps[.upstream] = FlowPump(flow: .upstream, source: client, connection: self)
        self.pumps[.downstream] = FlowPump(flow: .downstream, destination: client, connection: self)
    }

    /// Opens the upstream connection and starts reading the client at once: what the client sends meanwhile waits
    /// in the upstream pump (bounded like any queued data: reading pauses above 4 MiB held) and goes out once the
    /// upstream is connected. On failure the connection closes.
    func connectUpstream() {
        let configuration = self.proxy.configuration
        // Fails only when the client already closed; what it sent before that is still forwarded.
        self.client.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyRelayHandler(flow: .downstream, connection: self)
                    )
                }
            }
            .connect(host: configuration.upstreamHost, port: configuration.upstreamPort)
            .whenComplete { result in
                switch result {
                case .success(let channel): self.upstreamConnected(channel)
                case .failure(let error):
                    self.proxy.logger.debug(
                        "fault proxy cannot reach its upstream",
                        metadata: ["proxy": "\(configuration.name)", "error": "\(error)"]
                    )
                    self.close()
                }
            }
    }

    /// A connection closed while its upstream was connecting closes the upstream that arrives late.
    private func upstreamConnected(_ channel: any Channel) {
        guard !self.isClosed else {
            channel.close(promise: nil)
            return
        }
        self.upstream = channel
        self.pumps[.downstream]?.source = channel
        guard self.proxy.register(self) else {
            self.close()
            return
        }
        self.pumps[.upstream]?.attach(destination: channel)
    }

    /// A chunk read from the client (`upstream`) or the server (`downstream`).
    func received(_ buffer: ByteBuffer, on flow: FlowDirection) {
        guard !self.isClosed, let pump = self.pumps[flow] else { return }
        let plan = self.proxy.plan(size: buffer.readableBytes, flow: flow, connection: self.id, flowState: &pump.state)
        pump.enqueue(plan, from: buffer)
    }

    /// The channel that feeds `flow` changed writability: it is the destination of the opposite flow.
    func writabilityChanged(ofSourceOf flow: FlowDirection) {
        let opposite: FlowDirection = flow == .upstream ? .downstream : .upstream
        self.pumps[opposite]?.destinationWritabilityChanged()
    }

    /// The side that feeds `flow` closed: once what is queued on that flow is out, the connection closes.
    func sourceClosed(_ flow: FlowDirection) {
        self.pumps[flow]?.finish()
    }

    /// Applies a connection-level toxic action (from any thread).
    func apply(_ entry: ActiveToxic, _ action: ToxicConnectionAction) {
        self.eventLoop.execute {
            guard !self.isClosed else { return }
            let (delay, effect, resetTowards): (Duration, FaultEffect, ToxicDirection?) =
                switch action {
                case .close(let after): (after, .closed, nil)
                case .reset(let towards, let after): (after, .reset, towards)
                }
            let fire: @Sendable () -> Void = {
                guard !self.isClosed else { return }
                self.proxy.recordEffect(entry, effect, connection: self.id)
                self.close(resetTowards: resetTowards)
            }
            if delay <= .zero {
                fire()
            } else {
                self.timers[entry.id] = self.eventLoop.scheduleTask(
                    in: .nanoseconds(ProxyTime.nanoseconds(delay)),
                    fire
                )
            }
        }
    }

    /// Cancels a removed toxic's pending reset or close (from any thread).
    func cancelEffects(ofToxic id: UInt64) {
        self.eventLoop.execute { self.timers.removeValue(forKey: id)?.cancel() }
    }

    /// Each flow's back-pressure state, read on the event loop (from any thread).
    func flowStatus() -> EventLoopFuture<[FlowDirection: FlowStatus]> {
        self.eventLoop.submit { self.pumps.mapValues(\.status) }
    }

    /// Closes from any thread.
    func closeSoon() {
        self.eventLoop.execute { self.close() }
    }

    /// Closes both sides; with `resetTowards`, the side(s) it covers get a TCP RST (SO_LINGER 0) instead of a FIN.
    func close(resetTowards: ToxicDirection? = nil) {
        guard !self.isClosed else { return }
        self.isClosed = true
        for timer in self.timers.values { timer.cancel() }
        self.timers = [:]
        for pump in self.pumps.values { pump.discard() }
        self.proxy.unregister(self.id)
        Self.close(self.client, reset: resetTowards?.covers(.downstream) ?? false)
        if let upstream = self.upstream { Self.close(upstream, reset: resetTowards?.covers(.upstream) ?? false) }
    }

    private static func close(_ channel: any Channel, reset: Bool) {
        guard reset, let provider = channel as? any SocketOptionProvider else {
            channel.close(promise: nil)
            return
        }
        provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension ProxyConnection {
    var proxyNow: Duration { self.proxy.now }
    func deadline(_ instant: Duration) -> NIODeadline { self.proxy.deadline(instant) }
}
