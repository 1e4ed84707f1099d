internal import CGRPC
import GRPCCore
import Synchronization

/// One `grpc_call_start_batch` worth of operations, and the memory they point at.
///
/// Everything an op points at (metadata, message buffers, status slots) must stay valid until the batch completes,
/// so the batch owns it and frees it in `deinit`, which runs after the completion callback.
final class Batch: @unchecked Sendable {
    private(set) var ops: [grpc_op] = []

    // Sent: kept alive until completion.
    private var outboundMetadata: [OutboundMetadata] = []
    private var outboundMessage: UnsafeMutablePointer<grpc_byte_buffer>?
    private var statusDetails: UnsafeMutablePointer<grpc_slice>?

    // Received: filled in by the C core.
    private(set) var initialMetadata: InboundMetadata?
    private var message: UnsafeMutablePointer<UnsafeMutablePointer<grpc_byte_buffer>?>?
    private var trailingMetadata: InboundMetadata?
    private var statusCode: UnsafeMutablePointer<grpc_status_code>?
    private var receivedDetails: UnsafeMutablePointer<grpc_slice>?
    private var cancelledFlag: UnsafeMutablePointer<Int32>?

    init() {
        LiveObjects.batches.add(1, ordering: .relaxed)
    }

    var isEmpty: Bool { self.ops.isEmpty }

    // MARK: - Send

    func sendInitialMetadata(_ metadata: Metadata, waitForReady: Bool = false) {
        let outbound = OutboundMetadata(metadata)
        self.outboundMetadata.append(outbound)
        self.appendOp { hv_op_send_initial_metadata($0, outbound.pointer, outbound.count, waitForReady ? 1 : 0) }
    }

    func sendMessage(_ bytes: [UInt8]) {
        let buffer = bytes.withUnsafeBytes { hv_byte_buffer_from_bytes($0.baseAddress, $0.count) }
        self.outboundMessage = buffer
        self.appendOp { hv_op_send_message($0, buffer) }
    }

    func sendCloseFromClient() {
        self.appendOp { hv_op_send_close_from_client($0) }
    }

    func sendStatus(_ status: Status, trailers: Metadata) {
        let outbound = OutboundMetadata(trailers)
        self.outboundMetadata.append(outbound)
        let details = UnsafeMutablePointer<grpc_slice>.allocate(capacity: 1)
        details.initialize(to: Array(status.message.utf8).withUnsafeBytes { hv_slice_from_bytes($0.baseAddress, $0.count) })
        self.statusDetails = details
        let code = grpc_status_code(rawValue: Int32(status.code.rawValue))
        self.appendOp { hv_op_send_status_from_server($0, outbound.pointer, outbound.count, code, details) }
    }

    // MARK: - Receive

    func receiveInitialMetadata() {
        let inbound = InboundMetadata()
        self.initialMetadata = inbound
        self.appendOp { hv_op_recv_initial_metadata($0, inbound.pointer) }
    }

    func receiveMessage() {
        let slot = UnsafeMutablePointer<UnsafeMutablePointer<grpc_byte_buffer>?>.allocate(capacity: 1)
        slot.initialize(to: nil)
        self.message = slot
        self.appendOp { hv_op_recv_message($0, slot) }
    }

    func receiveStatusOnClient() {
        let trailers = InboundMetadata()
        let code = UnsafeMutablePointer<grpc_status_code>.allocate(capacity: 1)
        code.initialize(to: GRPC_STATUS_UNKNOWN)
        let details = UnsafeMutablePointer<grpc_slice>.allocate(capacity: 1)
        details.initialize(to: hv_empty_slice())
        self.trailingMetadata = trailers
        self.statusCode = code
        self.receivedDetails = details
        self.appendOp { hv_op_recv_status_on_client($0, trailers.pointer, code, details) }
    }

    func receiveCloseOnServer() {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        self.cancelledFlag = flag
        self.appendOp { hv_op_recv_close_on_server($0, flag) }
    }

    // MARK: - Results (valid once the batch completed)

    /// What a completed receive-message op produced.
    enum ReceivedMessage {
        case message([UInt8])
        case endOfStream
        case unreadable
    }

    func takeMessage() -> ReceivedMessage {
        guard let slot = self.message, let buffer = slot.pointee else { return .endOfStream }
        slot.pointee = nil
        defer { grpc_byte_buffer_destroy(buffer) }
        return Bytes.of(buffer).map { .message($0) } ?? .unreadable
    }

    /// The status the server sent, with its trailing metadata.
    func receivedStatus() -> (Status, Metadata) {
        let rawCode = Int(self.statusCode?.pointee.rawValue ?? GRPC_STATUS_UNKNOWN.rawValue)
        let code = Status.Code(rawValue: rawCode) ?? .unknown
        let message = self.receivedDetails.map { String(decoding: Bytes.of($0.pointee), as: UTF8.self) } ?? ""
        return (Status(code: code, message: message), self.trailingMetadata?.metadata() ?? [:])
    }

    /// Whether the call ended by cancellation rather than a status the server sent (server side).
    var wasCancelled: Bool {
        (self.cancelledFlag?.pointee ?? 0) != 0
    }

    private func appendOp(_ fill: (UnsafeMutablePointer<grpc_op>) -> Void) {
        var op = grpc_op()
        fill(&op)
        self.ops.append(op)
    }

    deinit {
        LiveObjects.batches.subtract(1, ordering: .relaxed)
        if let buffer = self.outboundMessage { grpc_byte_buffer_destroy(buffer) }
        if let details = self.statusDetails {
            grpc_slice_unref(details.pointee)
            details.deallocate()
        }
        if let slot = self.message {
            if let buffer = slot.pointee { grpc_byte_buffer_destroy(buffer) }
            slot.deallocate()
        }
        if let details = self.receivedDetails {
            grpc_slice_unref(details.pointee)
            details.deallocate()
        }
        self.statusCode?.deallocate()
        self.cancelledFlag?.deallocate()
    }
}
