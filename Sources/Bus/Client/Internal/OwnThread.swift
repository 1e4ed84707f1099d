import Foundation

/// Runs a blocking C call (a TCP connect, joining libmosquitto's network thread) on a thread of its own, never on
/// the cooperative pool.
func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}
