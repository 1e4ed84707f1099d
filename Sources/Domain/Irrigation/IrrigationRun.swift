import Foundation

/// A run's status. `Queued`, `Running`, `Completed` and `Aborted` are the seed contract's; `AwaitingApproval` (the
/// site's manual-approval policy: a second authorized person must approve) and `Aborting` (valves closing, acks
/// awaited) are the states in between that the API reports as they are.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case awaitingApproval = "AwaitingApproval"
    case queued = "Queued"
    case running = "Running"
    case aborting = "Aborting"
    case completed = "Completed"
    case aborted = "Aborted"

    public var isFinished: Bool { self == .completed || self == .aborted }
}

/// Where one step of a run is.
public enum StepStatus: String, Sendable, Hashable {
    case pending, opening, watering, closing, done
}

/// One step of a run.
public struct StepRun: Sendable, Hashable {
    public var index: Int
    public var zoneID: UUID
    public var status: StepStatus
    public var openedAt: Date?
    public var closedAt: Date?

    public init(index: Int, zoneID: UUID) {
        self.index = index
        self.zoneID = zoneID
        self.status = .pending
    }
}

/// Why a run was aborted.
public enum RunAbortCause: Sendable, Hashable {
    case operatorRequest(by: UUID, reason: String)
    case interlock(InterlockReason)
    /// A valve command did not succeed (rejected, timed out or expired).
    case device(zoneID: UUID, status: CommandStatus)
    case approvalDenied(by: UUID)
}

/// One execution of a program. A value: `IrrigationRun+Progress` moves it and says which commands to issue.
public struct IrrigationRun: Sendable, Hashable {
    public var id: UUID
    public var programID: UUID
    public var groupID: UUID
    public var requestedBy: UUID?
    public var requestedAt: Date
    public internal(set) var status: RunStatus
    public internal(set) var approvedBy: UUID?
    public internal(set) var steps: [StepRun]
    /// The step being watered or next to water.
    public internal(set) var currentStep: Int
    public internal(set) var startedAt: Date?
    public internal(set) var stoppedAt: Date?
    public internal(set) var abortCause: RunAbortCause?
    /// The latest reason a start was held back (the API's `blockReason`).
    public internal(set) var blockReason: InterlockReason?
    /// Abort saga: zones whose close is not yet confirmed.
    public internal(set) var pendingCloses: Set<UUID> = []
    /// Abort saga: zones whose close a device did not confirm (compensated and alerted).
    public internal(set) var unconfirmedZones: Set<UUID> = []
    /// Close commands issued per zone during the abort, to give each a fresh idempotency key.
    var closeRounds: [UUID: Int] = [:]

    /// A new run of `program`: Queued, or AwaitingApproval when the site's policy asks for manual approval.
    public init(
        id: UUID = UUID(),
        program: IrrigationProgram,
        requestedBy: UUID?,
        requestedAt: Date,
        manualApproval: Bool
    ) {
        self.id = id
        self.programID = program.id
        self.groupID = program.groupID
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.status = manualApproval ? .awaitingApproval : .queued
        self.steps = program.steps.enumerated().map { StepRun(index: $0.offset, zoneID: $0.element.zoneID) }
        self.currentStep = 0
    }

    /// Every zone the run can water.
    public var zones: Set<UUID> { Set(self.steps.map(\.zoneID)) }
}

/// What the orchestrator must do after a run transition.
public enum RunAction: Sendable, Hashable {
    /// Write a valve command to the outbox (in the same transaction as the run change).
    case command(ValveAction, zoneID: UUID, idempotencyKey: String)
    /// Evaluate the interlocks for step `index` and call `startStep`.
    case readyForStep(Int)
    /// A start was held back; log it (interlock_events, audit) and try again later.
    case blocked(InterlockReason)
    /// Raise an alert with this UPPER_SNAKE_CASE code.
    case alert(String, zoneID: UUID?)
    /// Compensation: a valve did not confirm closing, so shut the group's supply (pump off, master valve closed).
    case shutOffSupply(groupID: UUID)
    /// The run reached Completed or Aborted at this instant.
    case finished(RunStatus, at: Date)
}
