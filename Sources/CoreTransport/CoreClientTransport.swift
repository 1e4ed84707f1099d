internal import CGRPC
import GRPCCore
import Synchronization

/// A GRPCCore `ClientTransport` on the gRPC C core (libgrpc).
///
/// Use it with `GRPCClient` like any other transport. The C core owns connection management (name resolution,
/// reconnect with backoff, HTTP/2); completions are polled by one dedicated thread per transport.
public final class CoreClientTransport: ClientTransport, Sendable {
    public typealias Bytes = [UInt8]

    private struct State {
        var shuttingDown = false
        var active: [ObjectIdentifier: CallHandle] = [:]
        var tornDown = false
    }

    public let target: String
    private let channel: UncheckedPointer
    private let queue: CompletionQueue
    private let state = Mutex(State())
    private let drained = Promise<Void>()

    public var retryThrottle: RetryThrottle? { nil }

    /// - Parameter target: a gRPC target such as `127.0.0.1:50051`, `[::1]:50051`, `dns:///host:443` or
    ///   `unix:/path/to/socket`.
    public init(target: String, config: Config = Config()) throws(TransportSetupError) {
        CoreRuntime.retain()
        let credentials: OpaquePointer
        do {
            credentials = try config.credentials()
        } catch {
            CoreRuntime.release()
            throw error
        }
        defer { grpc_channel_credentials_release(credentials) }
        self.target = target
        self.channel = UncheckedPointer(
            config.channelArguments.withUnsafeArgs { grpc_channel_create(target, credentials, $0) }!
        )
        self.queue = CompletionQueue()
        self.queue.startPolling(name: "grpc-client")
    }

    public func connect() async throws {
        await withTaskCancellationHandler {
            await self.drained.value
        } onCancel: {
            self.shutDown(cancellingCalls: true)
        }
        self.tearDown()
    }

    public func beginGracefulShutdown() {
        self.shutDown(cancellingCalls: false)
    }

    public func config(forMethod descriptor: MethodDescriptor) -> MethodConfig? {
        nil
    }

    public func withStream<T: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ closure: (RPCStream<Inbound, Outbound>, ClientContext) async throws -> T
    ) async throws -> T {
        let call = try self.open(descriptor: descriptor, options: options)
        defer { self.close(call) }
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: RPCAsyncSequence<RPCResponsePart<[UInt8]>, any Error>(wrapping: ClientResponseStream(call: call)),
            outbound: RPCWriter<RPCRequestPart<[UInt8]>>.Closable(wrapping: ClientRequestWriter(call: call))
        )
        let context = ClientContext(descriptor: descriptor, remotePeer: self.peerDescription, localPeer: "unknown")
        return try await withTaskCancellationHandler {
            try await closure(stream, context)
        } onCancel: {
            call.handle.cancel()
        }
    }

    private var peerDescription: String {
        if self.target.hasPrefix("unix:") || self.target.contains(":///") { return self.target }
        return self.target.hasPrefix("[") ? "ipv6:\(self.target)" : "ipv4:\(self.target)"
    }

    private func open(descriptor: MethodDescriptor, options: CallOptions) throws(RPCError) -> ClientCall {
        let path = Array("/\(descriptor.fullyQualifiedMethod)".utf8)
        let method = path.withUnsafeBytes { hv_slice_from_bytes($0.baseAddress, $0.count) }
        defer { grpc_slice_unref(method) }
        let deadline = Deadline.timespec(after: options.timeout)
        let handle = try self.state.withLock { state throws(RPCError) -> CallHandle in
            guard !state.shuttingDown else {
                throw RPCError(code: .failedPrecondition, message: "The client transport is shutting down.")
            }
            guard
                let raw = grpc_channel_create_call(
                    self.channel.raw, nil, hv_propagate_defaults(), self.queue.raw, method, nil, deadline, nil
                )
            else {
                throw RPCError(code: .unavailable, message: "The C core could not create a call to \(self.target).")
            }
            let handle = CallHandle(taking: raw)
            state.active[ObjectIdentifier(handle)] = handle
            return handle
        }
        let call = ClientCall(handle: handle, waitForReady: options.waitForReady ?? false)
        call.startReceivingStatus()
        return call
    }

    private func close(_ call: ClientCall) {
        // The caller stopped before the server ended the call (e.g. it read part of a stream): cancel it so the server
        // stops too and no batch stays pending.
        if !call.isFinished { call.handle.cancel() }
        let drained = self.state.withLock { state in
            state.active[ObjectIdentifier(call.handle)] = nil
            return state.shuttingDown && state.active.isEmpty
        }
        if drained { self.drained.fulfil(()) }
    }

    private func shutDown(cancellingCalls: Bool) {
        let (calls, drained) = self.state.withLock { state in
            state.shuttingDown = true
            return (cancellingCalls ? Array(state.active.values) : [], state.active.isEmpty)
        }
        calls.forEach { $0.cancel() }
        if drained { self.drained.fulfil(()) }
    }

    private func tearDown() {
        let first = self.state.withLock { state in
            defer { state.tornDown = true }
            return !state.tornDown
        }
        guard first else { return }
        grpc_channel_destroy(self.channel.raw)
        self.queue.shutdownAndDestroy()
        CoreRuntime.release()
    }

    deinit {
        self.tearDown()
    }
}
