import Foundation

/// The stored fields of a run beyond those a new run starts with.
public struct StoredRunState: Sendable, Hashable {
    public var status: RunStatus
    public var approvedBy: UUID?
    public var steps: [StepRun]
    public var currentStep: Int
    public var startedAt: Date?
    public var stoppedAt: Date?
    public var abortCause: RunAbortCause?
    public var blockReason: InterlockReason?
    public var pendingCloses: Set<UUID>
    public var unconfirmedZones: Set<UUID>
    public var closeRounds: [UUID: Int]

    public init(
        status: RunStatus,
        approvedBy: UUID?,
        steps: [StepRun],
        currentStep: Int,
        startedAt: Date?,
        stoppedAt: Date?,
        abortCause: RunAbortCause?,
        blockReason: InterlockReason?,
        pendingCloses: Set<UUID>,
        unconfirmedZones: Set<UUID>,
        closeRounds: [UUID: Int]
    ) {
        self.status = status
        self.approvedBy = approvedBy
        self.steps = steps
        self.currentStep = currentStep
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
        self.abortCause = abortCause
        self.blockReason = blockReason
        self.pendingCloses = pendingCloses
        self.unconfirmedZones = unconfirmedZones
        self.closeRounds = closeRounds
    }
}

extension IrrigationRun {
    /// A run as a store reads it back. Only a store calls this; everything else moves a run through
    /// `IrrigationRun+Progress`.
    public init(
        id: UUID,
        programID: UUID,
        groupID: UUID,
        requestedBy: UUID?,
        requestedAt: Date,
        restoring state: StoredRunState
    ) {
        self.id = id
        self.programID = programID
        self.groupID = groupID
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.status = state.status
        self.approvedBy = state.approvedBy
        self.steps = state.steps
        self.currentStep = state.currentStep
        self.startedAt = state.startedAt
        self.stoppedAt = state.stoppedAt
        self.abortCause = state.abortCause
        self.blockReason = state.blockReason
        self.pendingCloses = state.pendingCloses
        self.unconfirmedZones = state.unconfirmedZones
        self.closeRounds = state.closeRounds
    }

    /// What a store keeps of the run's progress.
    public var storedState: StoredRunState {
        StoredRunState(
            status: self.status,
            approvedBy: self.approvedBy,
            steps: self.steps,
            currentStep: self.currentStep,
            startedAt: self.startedAt,
            stoppedAt: self.stoppedAt,
            abortCause: self.abortCause,
            blockReason: self.blockReason,
            pendingCloses: self.pendingCloses,
            unconfirmedZones: self.unconfirmedZones,
            closeRounds: self.closeRounds
        )
    }
}
