internal import CGRPC
import Synchronization

/// The single owner of a `grpc_call*`: unrefs it when the last batch and the last user are done with it.
///
/// A batch's completion closure retains the handle, so the call stays alive while any op on it is pending.
final class CallHandle: @unchecked Sendable {
    let raw: OpaquePointer

    init(taking raw: OpaquePointer) {
        self.raw = raw
        LiveObjects.calls.add(1, ordering: .relaxed)
    }

    /// Starts a batch; `onComplete` runs on the completion queue's polling thread. Returns false when the core refused
    /// the batch (it then never completes).
    @discardableResult
    func start(_ batch: Batch, onComplete: @escaping @Sendable (Batch, Bool) -> Void) -> Bool {
        let completion = Completion { success in
            withExtendedLifetime(self) { onComplete(batch, success) }
        }
        let tag = completion.retainedTag()
        let result = batch.ops.withUnsafeBufferPointer { ops in
            grpc_call_start_batch(self.raw, ops.baseAddress, ops.count, tag, nil)
        }
        guard result == GRPC_CALL_OK else {
            Completion.discard(tag: tag)
            return false
        }
        return true
    }

    /// Cancels the call: pending ops complete (receives fail) and the peer sees CANCELLED.
    func cancel() {
        _ = grpc_call_cancel(self.raw, nil)
    }

    /// The peer's address in the C core's form, e.g. `ipv4:127.0.0.1:50051`.
    var peer: String {
        Bytes.takeCString(grpc_call_get_peer(self.raw)) ?? "unknown"
    }

    deinit {
        grpc_call_unref(self.raw)
        LiveObjects.calls.subtract(1, ordering: .relaxed)
    }
}
