internal import CGRPC
import GRPCCore
import Synchronization

/// The client side of one call: its status, response metadata and reader, and its request sends.
final class ClientCall: Sendable {
    struct Outcome: Sendable {
        var status: Status
        var trailers: Metadata
    }

    let handle: CallHandle
    let reader: MessageReader
    let sendGate = SendGate()
    let waitForReady: Bool
    let status = Promise<Outcome>()
    let responseMetadata = Promise<Metadata?>()
    private let requestedMetadata = Atomic<Bool>(false)

    init(handle: CallHandle, waitForReady: Bool) {
        self.handle = handle
        self.reader = MessageReader(call: handle)
        self.waitForReady = waitForReady
    }

    /// Starts the receive of the final status; it completes once the server ends the call (or it fails).
    func startReceivingStatus() {
        let batch = Batch()
        batch.receiveStatusOnClient()
        let started = self.handle.start(batch) { batch, _ in
            let (status, trailers) = batch.receivedStatus()
            self.status.fulfil(Outcome(status: status, trailers: trailers))
        }
        if !started {
            self.status.fulfil(Outcome(status: Status(code: .internalError, message: "The call could not start."), trailers: [:]))
        }
    }

    /// Starts receiving the response metadata (once) and prefetches the first message alongside.
    func startReceivingResponse() {
        guard !self.requestedMetadata.exchange(true, ordering: .relaxed) else { return }
        let batch = Batch()
        batch.receiveInitialMetadata()
        let started = self.handle.start(batch) { batch, success in
            self.responseMetadata.fulfil(success ? batch.initialMetadata?.metadata() : nil)
        }
        if !started { self.responseMetadata.fulfil(nil) }
        self.reader.prefetch()
    }

    var isFinished: Bool { self.status.current != nil }

    // MARK: - Sending

    func sendInitialMetadata(_ metadata: Metadata) {
        let batch = Batch()
        batch.sendInitialMetadata(metadata, waitForReady: self.waitForReady)
        self.handle.start(batch) { _, _ in }
    }

    func sendMessage(_ bytes: [UInt8]) async throws(RPCError) {
        guard await self.sendGate.acquire() else { throw Self.sendFailed }
        let batch = Batch()
        batch.sendMessage(bytes)
        let started = self.handle.start(batch) { [sendGate] _, success in sendGate.release(success: success) }
        if !started {
            self.sendGate.release(success: false)
            throw Self.sendFailed
        }
    }

    /// Half-closes the request stream after the last message went out.
    func sendClose() async {
        guard await self.sendGate.drain() else { return }
        let batch = Batch()
        batch.sendCloseFromClient()
        self.handle.start(batch) { _, _ in }
    }

    private static let sendFailed = RPCError(
        code: .unavailable,
        message: "The request message could not be sent: the call has already ended."
    )
}
