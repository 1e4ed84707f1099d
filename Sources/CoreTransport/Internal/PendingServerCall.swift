internal import CGRPC
import GRPCCore

/// Storage for one `grpc_server_request_call`: where the core writes the next incoming call.
final class PendingServerCall: @unchecked Sendable {
    let call = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
    let details = UnsafeMutablePointer<grpc_call_details>.allocate(capacity: 1)
    let metadata = InboundMetadata()

    init() {
        self.call.initialize(to: nil)
        grpc_call_details_init(self.details)
    }

    /// The accepted call, with the request metadata copied out and `grpc-timeout` synthesized from its deadline.
    func accepted(methodTypes: [String: MethodDescriptor.RPCType]) -> ServerCall? {
        guard let raw = self.call.pointee else { return nil }
        self.call.pointee = nil
        let handle = CallHandle(taking: raw)
        let path = String(decoding: Bytes.of(self.details.pointee.method), as: UTF8.self)
        var requestMetadata = self.metadata.metadata()
        requestMetadata.removeAllValues(forKey: "grpc-timeout")
        if let remaining = Deadline.remaining(until: self.details.pointee.deadline) {
            requestMetadata.addString(Deadline.header(for: remaining), forKey: "grpc-timeout")
        }
        let type = methodTypes[path]
        return ServerCall(
            handle: handle,
            path: path,
            requestMetadata: requestMetadata,
            holdsResponseMetadata: type != nil && type != .bidirectionalStreaming
        )
    }

    deinit {
        if let raw = self.call.pointee { grpc_call_unref(raw) }
        self.call.deallocate()
        grpc_call_details_destroy(self.details)
        self.details.deallocate()
    }
}
