internal import CGRPC
import GRPCCore
import Synchronization

/// The server side of one accepted call: its request metadata, its reader, and what has been sent so far.
final class ServerCall: Sendable {
    let handle: CallHandle
    /// The path, e.g. `/harvestry.echo.v1.EchoService/Echo`.
    let path: String
    /// Request metadata, with `grpc-timeout` synthesized from the call's deadline for GRPCCore's executor.
    let requestMetadata: Metadata
    let remotePeer: String
    let reader: MessageReader
    let sendGate = SendGate()
    /// Whether response metadata may wait for the first message or the status. Only safe when the client cannot be
    /// waiting for it before it sends more requests: true for every kind but bidirectional streaming.
    let holdsResponseMetadata: Bool

    private struct State {
        var pendingInitialMetadata: Metadata?
        var initialMetadataSent = false
        var statusSent = false
        var closed = false
        var cancelled = false
        var cancellation: ServerContext.RPCCancellationHandle?
    }

    private let state = Mutex(State())

    init(handle: CallHandle, path: String, requestMetadata: Metadata, holdsResponseMetadata: Bool) {
        self.handle = handle
        self.holdsResponseMetadata = holdsResponseMetadata
        self.path = path
        self.requestMetadata = requestMetadata
        self.remotePeer = handle.peer
        self.reader = MessageReader(call: handle)
    }

    /// Starts watching for the end of the call; a cancelled call (client cancel, deadline, broken connection) fires the
    /// RPC's cancellation handle so the handler stops.
    func watchForClose() {
        let batch = Batch()
        batch.receiveCloseOnServer()
        self.handle.start(batch) { batch, success in
            let cancelled = !success || batch.wasCancelled
            let handle = self.state.withLock { state -> ServerContext.RPCCancellationHandle? in
                state.closed = true
                guard cancelled else { return nil }
                state.cancelled = true
                return state.cancellation
            }
            handle?.cancel()
        }
    }

    /// Connects the RPC's cancellation handle; cancels it at once when the call already ended cancelled.
    func attach(_ cancellation: ServerContext.RPCCancellationHandle) {
        let alreadyCancelled = self.state.withLock { state in
            state.cancellation = cancellation
            return state.cancelled
        }
        if alreadyCancelled { cancellation.cancel() }
    }

    var isCancelled: Bool { self.state.withLock { $0.cancelled } }

    // MARK: - Sending

    /// Sends response metadata, or holds it back to travel in one batch with the first message or the status.
    func sendInitialMetadata(_ metadata: Metadata) throws(RPCError) {
        let batch = Batch()
        try self.state.withLock { state throws(RPCError) in
            guard !state.initialMetadataSent, state.pendingInitialMetadata == nil else {
                throw RPCError(code: .internalError, message: "Response metadata was already sent.")
            }
            state.pendingInitialMetadata = metadata
            if !self.holdsResponseMetadata { self.takeInitialMetadata(&state, into: batch) }
        }
        if !batch.isEmpty { self.handle.start(batch) { _, _ in } }
    }

    func sendMessage(_ bytes: [UInt8]) async throws(RPCError) {
        guard await self.sendGate.acquire() else { throw self.streamClosedError() }
        let batch = Batch()
        let statusSent = self.state.withLock { state in
            if !state.statusSent { self.takeInitialMetadata(&state, into: batch) }
            return state.statusSent
        }
        guard !statusSent else {
            self.sendGate.release(success: true)
            throw RPCError(code: .internalError, message: "Cannot send a message after the status.")
        }
        batch.sendMessage(bytes)
        let started = self.handle.start(batch) { [sendGate] _, success in sendGate.release(success: success) }
        if !started {
            self.sendGate.release(success: false)
            throw self.streamClosedError()
        }
    }

    /// Sends the status (and any metadata not yet sent) unless a status already went out.
    func sendStatus(_ status: Status, trailers: Metadata) {
        let batch = Batch()
        let first = self.state.withLock { state -> Bool in
            guard !state.statusSent else { return false }
            state.statusSent = true
            self.takeInitialMetadata(&state, into: batch)
            return true
        }
        guard first else { return }
        batch.sendStatus(status, trailers: trailers)
        self.handle.start(batch) { _, _ in }
    }

    var statusSent: Bool { self.state.withLock { $0.statusSent } }

    private func takeInitialMetadata(_ state: inout State, into batch: Batch) {
        guard !state.initialMetadataSent else { return }
        state.initialMetadataSent = true
        batch.sendInitialMetadata(state.pendingInitialMetadata ?? [:])
        state.pendingInitialMetadata = nil
    }

    private func streamClosedError() -> RPCError {
        RPCError(code: .cancelled, message: "The RPC was cancelled or its stream closed; the message was not sent.")
    }
}
