internal import CGRPC

/// A `grpc_completion_queue` polled by one dedicated OS thread.
///
/// The C core only makes progress on I/O inside `grpc_completion_queue_next`, so each queue gets a thread of its own
/// that does nothing else: never the Swift cooperative pool, never a thread per call. Completions run their callback on
/// that thread, so callbacks must be short (resume a continuation, start the next batch).
final class CompletionQueue: @unchecked Sendable {
    let raw: OpaquePointer
    private var thread: pthread_t?

    init() {
        self.raw = grpc_completion_queue_create_for_next(nil)
    }

    /// Starts the polling thread. Call once.
    func startPolling(name: String) {
        precondition(self.thread == nil, "completion queue polled twice")
        let box = Unmanaged.passRetained(PollContext(queue: self.raw, name: name)).toOpaque()
        var thread = pthread_t()
        let rc = hv_thread_start(&thread, { context in
            let poll = Unmanaged<PollContext>.fromOpaque(context!).takeRetainedValue()
            poll.run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        self.thread = thread
    }

    /// Shuts the queue down, waits until every pending event was delivered and the thread exited, then destroys it.
    ///
    /// Every call using the queue must have been released (or have no batch pending) before this returns.
    func shutdownAndDestroy() {
        grpc_completion_queue_shutdown(self.raw)
        if let thread = self.thread {
            hv_thread_join(thread)
            self.thread = nil
        } else {
            PollContext(queue: self.raw, name: "drain").run()
        }
        grpc_completion_queue_destroy(self.raw)
    }
}

/// What the polling thread needs; kept apart from `CompletionQueue` so the thread does not own the queue object.
private final class PollContext {
    let queue: OpaquePointer
    let name: String

    init(queue: OpaquePointer, name: String) {
        self.queue = queue
        self.name = name
    }

    func run() {
        hv_thread_set_name(self.name)
        let forever = gpr_inf_future(GPR_CLOCK_REALTIME)
        while true {
            let event = grpc_completion_queue_next(self.queue, forever, nil)
            switch event.type {
            case GRPC_OP_COMPLETE:
                Completion.complete(tag: event.tag, success: event.success != 0)
            case GRPC_QUEUE_SHUTDOWN:
                return
            default:
                continue
            }
        }
    }
}
