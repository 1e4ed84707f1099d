/// Polls `condition` every `interval` until it holds; returns whether it held. The timeout is counted in polls
/// (`timeout / interval` of them), not in wall time: when the whole test process stalls (every suite starting at once
/// on a loaded two-core CI machine), the awaited work could not run either, so the stall must not use the timeout up.
/// Wall time is still capped at four times the timeout, so a wait always ends.
public func pollUntil(
    timeout: Duration,
    every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let polls = max(1, Int(timeout / interval))
    let wallLimit = ContinuousClock.now + timeout * 4
    for _ in 0..<polls {
        if try await condition() { return true }
        if ContinuousClock.now >= wallLimit { break }
        do {
            try await Task.sleep(for: interval)
        } catch {
            break
        }
    }
    return try await condition()
}
