internal import CGRPC
import GRPCCore
import Synchronization

/// Keeps `grpc_server_request_call` armed on every completion queue and hands accepted calls to the listen loop.
final class Acceptor: Sendable {
    let calls: AsyncStream<ServerCall>
    private let continuation: AsyncStream<ServerCall>.Continuation
    private let server: UncheckedPointer
    private let queues: [CompletionQueue]
    private let backlog: Int
    private let methodTypes: [String: MethodDescriptor.RPCType]
    private let shuttingDown = Atomic<Bool>(false)

    init(server: OpaquePointer, queues: [CompletionQueue], backlog: Int, methodTypes: [String: MethodDescriptor.RPCType]) {
        self.methodTypes = methodTypes
        (self.calls, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        self.server = UncheckedPointer(server)
        self.queues = queues
        self.backlog = backlog
    }

    func start() {
        for queue in self.queues {
            for _ in 0..<self.backlog { self.requestCall(on: queue) }
        }
    }

    /// Stops accepting, lets running calls finish for `gracePeriod`, then cancels what is left; returns when every
    /// call has completed and the accepted-call stream has ended.
    func shutdown(gracePeriod: Duration) async {
        self.shuttingDown.store(true, ordering: .sequentiallyConsistent)
        let done = Promise<Void>()
        let completion = Completion { _ in done.fulfil(()) }
        grpc_server_shutdown_and_notify(self.server.raw, self.queues[0].raw, completion.retainedTag())
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: gracePeriod)
                if done.current == nil { grpc_server_cancel_all_calls(self.server.raw) }
            }
            await done.value
            group.cancelAll()
        }
        self.continuation.finish()
    }

    private func requestCall(on queue: CompletionQueue) {
        guard !self.shuttingDown.load(ordering: .relaxed) else { return }
        let pending = PendingServerCall()
        let completion = Completion { success in
            guard success, let call = pending.accepted(methodTypes: self.methodTypes) else { return }
            // Re-arm first so a burst of calls finds a request waiting.
            self.requestCall(on: queue)
            call.watchForClose()
            call.reader.prefetch()
            self.continuation.yield(call)
        }
        let tag = completion.retainedTag()
        let result = grpc_server_request_call(
            self.server.raw, pending.call, pending.details, pending.metadata.pointer, queue.raw, queue.raw, tag
        )
        if result != GRPC_CALL_OK { Completion.discard(tag: tag) }
    }
}

/// A C pointer the transport synchronises itself.
struct UncheckedPointer: @unchecked Sendable {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
}
