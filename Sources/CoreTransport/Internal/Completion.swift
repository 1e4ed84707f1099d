/// A completion-queue tag: the callback to run when the operation it was passed to completes.
///
/// The tag travels through the C core as an unmanaged, retained pointer. The poller takes the retained value back
/// exactly once, so every tag handed to the core is released exactly once.
final class Completion: @unchecked Sendable {
    private let body: (Bool) -> Void

    init(_ body: @escaping (Bool) -> Void) {
        self.body = body
    }

    /// A retained pointer to hand to the C core. Balance with `complete(tag:success:)` or `discard(tag:)`.
    func retainedTag() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }

    /// Runs the callback of a tag the C core returned, releasing it.
    static func complete(tag: UnsafeMutableRawPointer, success: Bool) {
        Unmanaged<Completion>.fromOpaque(tag).takeRetainedValue().body(success)
    }

    /// Releases a tag the C core refused (the operation never started).
    static func discard(tag: UnsafeMutableRawPointer) {
        Unmanaged<Completion>.fromOpaque(tag).release()
    }
}
