import Synchronization

/// Counts of C-core objects the transport currently holds: the leak check reads them after work has drained.
enum LiveObjects {
    static let calls = Atomic<Int>(0)
    static let batches = Atomic<Int>(0)
}

/// Live-object counts for tests and diagnostics.
public enum CoreTransportDiagnostics {
    /// `grpc_call`s not yet released.
    public static var liveCalls: Int { LiveObjects.calls.load(ordering: .relaxed) }
    /// Operation batches not yet completed and freed.
    public static var liveBatches: Int { LiveObjects.batches.load(ordering: .relaxed) }
}
