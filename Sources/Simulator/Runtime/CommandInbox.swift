import Synchronization

/// Commands that arrived on `cmd` topics, waiting for the simulation loop; `wait` sleeps until a deadline, the next
/// arrival or other due work (polling in small steps: commands are rare, the loop's own deadlines are not).
final class CommandInbox: Sendable {
    private let pending = Mutex<[SimCommand]>([])
    static let pollInterval: Duration = .milliseconds(5)

    func put(_ command: SimCommand) {
        self.pending.withLock { $0.append(command) }
    }

    func takeAll() -> [SimCommand] {
        self.pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    /// Sleeps until `deadline`, returning early (within `pollInterval`) when a command arrives or `due()` says the
    /// simulation has work now (e.g. emissions an injected fault left waiting).
    func wait(until deadline: ContinuousClock.Instant, orWhen due: () -> Bool) async throws {
        while ContinuousClock.now < deadline {
            if !self.pending.withLock({ $0.isEmpty }) || due() { return }
            try await Task.sleep(until: min(deadline, ContinuousClock.now + Self.pollInterval), clock: .continuous)
        }
    }
}
