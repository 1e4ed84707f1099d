import GRPCCore
import Synchronization

/// A server transport without a wire, for the JSON gateway running in the same process as the services.
///
/// A `GRPCServer` over it registers the services and interceptors as usual; `DirectUpstream` then hands each call's
/// stream straight to the server's handler, in the calling task: no client executor, no per-call task hop, no
/// transport streams. Calls made before the server listens wait for it; calls after shutdown fail with UNAVAILABLE.
public final class DirectServerTransport: ServerTransport, Sendable {
    public typealias Bytes = [UInt8]
    public typealias StreamHandler = @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void

    private struct State {
        var handler: StreamHandler?
        var isShutdown = false
        var waitingForHandler: [CheckedContinuation<StreamHandler?, Never>] = []
        var listening: CheckedContinuation<Void, Never>?
        var running: [UInt64: ServerContext.RPCCancellationHandle] = [:]
        var nextCallID: UInt64 = 0
    }

    private let state = Mutex(State())
    /// The peer the services see (`ServerContext.remotePeer`).
    public let peer: String

    public init(peer: String = "in-process:gateway") {
        self.peer = peer
    }

    public func listen(streamHandler: @escaping StreamHandler) async throws {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (listening: CheckedContinuation<Void, Never>) in
                let (waiting, stopAtOnce) = self.state.withLock { state in
                    if state.isShutdown { return ([CheckedContinuation<StreamHandler?, Never>](), true) }
                    state.handler = streamHandler
                    state.listening = listening
                    defer { state.waitingForHandler = [] }
                    return (state.waitingForHandler, false)
                }
                for caller in waiting { caller.resume(returning: streamHandler) }
                if stopAtOnce { listening.resume() }
            }
        } onCancel: {
            self.beginGracefulShutdown()
        }
    }

    /// Stops accepting calls and cancels the running ones (their handlers see `context.cancellation`).
    public func beginGracefulShutdown() {
        let (listening, waiting, running) = self.state.withLock { state in
            state.isShutdown = true
            state.handler = nil
            defer {
                state.listening = nil
                state.waitingForHandler = []
                state.running = [:]
            }
            return (state.listening, state.waitingForHandler, Array(state.running.values))
        }
        for caller in waiting { caller.resume(returning: nil) }
        for call in running { call.cancel() }
        listening?.resume()
    }

    /// Runs one call's stream through the server (its router, interceptors and handler) in the calling task.
    func handle(_ stream: RPCStream<Inbound, Outbound>) async throws {
        guard let handler = await self.streamHandler() else {
            throw RPCError(code: .unavailable, message: "the in-process server is not running")
        }
        await withServerContextRPCCancellationHandle { cancellation in
            let id = self.state.withLock { state in
                defer { state.nextCallID &+= 1 }
                state.running[state.nextCallID] = cancellation
                return state.nextCallID
            }
            defer { _ = self.state.withLock { $0.running.removeValue(forKey: id) } }
            let context = ServerContext(
                descriptor: stream.descriptor,
                remotePeer: self.peer,
                localPeer: self.peer,
                cancellation: cancellation
            )
            await withTaskCancellationHandler {
                await handler(stream, context)
            } onCancel: {
                cancellation.cancel()
            }
        }
    }

    /// The server's handler once it listens; nil once it has shut down.
    private func streamHandler() async -> StreamHandler? {
        enum Now { case ready(StreamHandler?), wait }
        let now = self.state.withLock { state -> Now in
            if state.isShutdown { return .ready(nil) }
            return state.handler.map { .ready($0) } ?? .wait
        }
        if case .ready(let handler) = now { return handler }
        return await withCheckedContinuation { caller in
            let immediate = self.state.withLock { state -> Now in
                if state.isShutdown { return .ready(nil) }
                if let handler = state.handler { return .ready(handler) }
                state.waitingForHandler.append(caller)
                return .wait
            }
            if case .ready(let handler) = immediate { caller.resume(returning: handler) }
        }
    }
}
