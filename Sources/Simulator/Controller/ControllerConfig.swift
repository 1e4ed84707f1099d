/// The edge irrigation controller's fixed settings (its firmware configuration).
public struct ControllerConfig: Hashable, Sendable {
    /// A valve on this long is closed and MAX_RUNTIME latched. `duration_s` must be shorter.
    public var maxRuntime: Duration = .seconds(1800)
    /// The INT-150VA supply's cap: high-load and standard valves on at once.
    public var maxHighLoad = 1
    public var maxStandard = 6
    /// Tank low below this level (%), restored at or above `tankRestoreLevel` (hysteresis).
    public var tankLowLevel = 10.0
    public var tankRestoreLevel = 15.0
    /// Opens refused for the concurrency cap wait here (oldest first) for a free slot.
    public var queueCapacity = 8
    /// Who may re-arm; empty means any non-empty `authorizer`.
    public var authorizers: Set<String> = []
    /// Idempotency keys remembered for duplicate detection (oldest forgotten first).
    public var rememberedCommands = 4096

    public init() {}
}
