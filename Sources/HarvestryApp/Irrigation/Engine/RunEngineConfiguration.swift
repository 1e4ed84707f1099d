import Foundation

/// How often the run engine looks at live runs, and how it waits for an abort.
public struct RunEngineConfiguration: Sendable {
    /// Between two passes over the live runs (interlocks, step timers, Queued retries, unapplied settlements).
    public var tickInterval: Duration
    /// How often `abortRun` re-reads the run while waiting for it to be Aborted.
    public var abortPollInterval: Duration
    /// How often an `updates(of:)` stream re-reads the run when this process has not changed it (changes made by
    /// another instance show up within this interval).
    public var updatesPollInterval: Duration
    /// The actor of what the engine does on its own (audit rows of tick and settlement changes).
    public var systemActor: UUID

    /// The nil UUID: no user has it, so an audit row by it is recognisably the engine's.
    public static let engineActor = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    public init(
        tickInterval: Duration = .seconds(1),
        abortPollInterval: Duration = .milliseconds(100),
        updatesPollInterval: Duration = .seconds(1),
        systemActor: UUID = RunEngineConfiguration.engineActor
    ) {
        self.tickInterval = tickInterval
        self.abortPollInterval = abortPollInterval
        self.updatesPollInterval = updatesPollInterval
        self.systemActor = systemActor
    }
}
