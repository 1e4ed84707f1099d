/// The edge irrigation controller's fixed settings (its firmware configuration).
public struct ControllerConfig: Hashable, Sendable {
    /// A valve continuously on this long is closed and MAX_RUNTIME latched. `duration_s`, and the total of a
    /// program's consecutive steps on one valve, must be shorter.
    public var maxRuntime: Duration = .seconds(1800)
    /// The INT-150VA supply's cap: high-load and standard valves on at once.
    public var maxHighLoad = 1
    public var maxStandard = 6
    /// Tank low below this level (%), restored at or above `tankRestoreLevel` (hysteresis).
    public var tankLowLevel = 10.0
    public var tankRestoreLevel = 15.0
    /// A program step waiting for a slot under the concurrency cap waits at most this long, then the program is
    /// aborted (a step never opens late).
    public var maxStepWait: Duration = .seconds(600)
    /// Who may re-arm; empty means any non-empty `authorizer`.
    public var authorizers: Set<String> = []
    /// Idempotency keys remembered for duplicate detection (oldest forgotten first).
    public var rememberedCommands = 4096
    /// The full state is published again this long after the last one even when nothing changed (a heartbeat, so a
    /// platform that treats an old input as stale keeps hearing a quiet controller). Zero or less: only on change.
    public var stateInterval: Duration = .seconds(15)

    public init() {}
}
