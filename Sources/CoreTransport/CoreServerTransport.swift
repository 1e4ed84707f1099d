internal import CGRPC
import GRPCCore
import Synchronization

/// A GRPCCore `ServerTransport` on the gRPC C core (libgrpc).
///
/// Generated service code runs on it unchanged: add it to a `GRPCServer` like any other transport. I/O progresses on
/// a small fixed set of dedicated completion-queue threads; handlers run as child tasks of `listen`.
public final class CoreServerTransport: ServerTransport, Sendable {
    public typealias Bytes = [UInt8]

    /// The address the server is listening on, once it is.
    public struct BoundAddress: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
    }

    private let host: String
    private let port: Int
    private let config: Config
    private let bound = Promise<Result<BoundAddress, TransportSetupError>>()
    private let shutdownRequested = Promise<Duration>()
    /// RPC kinds by path, from the server's registered methods (see `configure(context:)`).
    private let methodTypes = Mutex<[String: MethodDescriptor.RPCType]>([:])

    /// - Parameters:
    ///   - host: Interface to bind, e.g. `127.0.0.1`, `::1` or `0.0.0.0`.
    ///   - port: Port to bind; 0 picks a free one (read it from `listeningAddress`).
    public init(host: String, port: Int, config: Config = Config()) {
        self.host = host
        self.port = port
        self.config = config
    }

    /// The bound address, available once `listen` has started; throws if binding failed.
    public var listeningAddress: BoundAddress {
        get async throws {
            try await self.bound.value.get()
        }
    }

    public func configure(context: GRPCServerContext) {
        let types = context.methods.reduce(into: [String: MethodDescriptor.RPCType]()) { types, method in
            if let type = method.type { types["/\(method.fullyQualifiedMethod)"] = type }
        }
        self.methodTypes.withLock { $0 = types }
    }

    public func beginGracefulShutdown() {
        self.shutdownRequested.fulfil(self.config.shutdownGracePeriod)
    }

    public func listen(
        streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async throws {
        do {
            try self.config.validate()
        } catch {
            self.bound.fulfil(.failure(error))
            throw error
        }
        CoreRuntime.retain()
        defer { CoreRuntime.release() }

        let queues = (0..<self.config.completionQueues).map { _ in CompletionQueue() }
        let server = self.config.channelArguments.withUnsafeArgs { grpc_server_create($0, nil) }!
        for queue in queues { grpc_server_register_completion_queue(server, queue.raw, nil) }

        let address: BoundAddress
        do {
            address = try self.bind(server)
        } catch {
            grpc_server_destroy(server)
            queues.forEach { $0.shutdownAndDestroy() }
            self.bound.fulfil(.failure(error))
            throw error
        }
        grpc_server_start(server)
        for (index, queue) in queues.enumerated() { queue.startPolling(name: "grpc-server-\(index)") }

        let acceptor = Acceptor(
            server: server,
            queues: queues,
            backlog: self.config.acceptBacklog,
            methodTypes: self.methodTypes.withLock { $0 }
        )
        let local = "\(address.host.contains(":") ? "ipv6" : "ipv4"):\(address)"
        acceptor.start()
        self.bound.fulfil(.success(address))

        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    let grace = await self.shutdownRequested.value
                    await acceptor.shutdown(gracePeriod: grace)
                }
                for await call in acceptor.calls {
                    group.addTask {
                        await Self.handle(call, localPeer: local, streamHandler: streamHandler)
                    }
                }
            }
        } onCancel: {
            self.shutdownRequested.fulfil(.zero)
        }

        grpc_server_destroy(server)
        queues.forEach { $0.shutdownAndDestroy() }
    }

    private func bind(_ server: OpaquePointer) throws(TransportSetupError) -> BoundAddress {
        let credentials = try self.config.credentials()
        defer { grpc_server_credentials_release(credentials) }
        let target = self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
        let port = grpc_server_add_http2_port(server, target, credentials)
        guard port > 0 else {
            throw TransportSetupError(
                code: .bindFailed,
                message: "Cannot listen on \(target): the address is in use, not local, or not permitted."
            )
        }
        return BoundAddress(host: self.host, port: Int(port))
    }

    private static func handle(
        _ call: ServerCall,
        localPeer: String,
        streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async {
        await withServerContextRPCCancellationHandle { cancellation in
            call.attach(cancellation)
            let descriptor = Self.descriptor(forPath: call.path)
            let context = ServerContext(
                descriptor: descriptor,
                remotePeer: call.remotePeer,
                localPeer: localPeer,
                cancellation: cancellation
            )
            let stream = RPCStream(
                descriptor: descriptor,
                inbound: RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>(wrapping: ServerRequestStream(call: call)),
                outbound: RPCWriter<RPCResponsePart<[UInt8]>>.Closable(wrapping: ServerResponseWriter(call: call))
            )
            await streamHandler(stream, context)
        }
        if !call.statusSent {
            call.sendStatus(Status(code: .internalError, message: "The handler ended without a status."), trailers: [:])
        }
    }

    /// `/package.Service/Method` as a descriptor; a malformed path yields one GRPCCore answers with UNIMPLEMENTED.
    static func descriptor(forPath path: String) -> MethodDescriptor {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        guard let slash = trimmed.lastIndex(of: "/") else {
            return MethodDescriptor(fullyQualifiedService: "", method: String(trimmed))
        }
        return MethodDescriptor(
            fullyQualifiedService: String(trimmed[..<slash]),
            method: String(trimmed[trimmed.index(after: slash)...])
        )
    }
}
