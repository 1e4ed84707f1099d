import Foundation

/// Groups, programs, schedules, runs, interlock events and the device command outbox, stored.
///
/// Everything but the command plane runs under the caller's `AccessScope`; rows outside it are invisible (reads) or
/// refused (writes), and every change writes its audit row in the same transaction. A run change and the commands
/// it issues are written in one transaction: the commands table is the outbox the dispatcher drains.
///
/// The command plane (`claimDueCommands`, `recordAck`, `expireCommands`) acts for the system: the dispatcher for
/// every site with work due, an acknowledgement for the one site its device link belongs to. Transitions follow
/// `DeviceCommand+Lifecycle`.
public protocol IrrigationRepository: Sendable {
    func createGroup(
        _ group: IrrigationGroup,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationGroup
    func group(_ id: UUID, in scope: AccessScope) async throws -> IrrigationGroup
    func listGroups(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<IrrigationGroup>

    /// Validates the program against its stored group (`IrrigationProgram.validate(in:)`) and stores it with its
    /// steps.
    func createProgram(
        _ program: IrrigationProgram,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationProgram
    func program(_ id: UUID, in scope: AccessScope) async throws -> IrrigationProgram
    func listPrograms(
        groupID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<IrrigationProgram>

    func createSchedule(
        _ schedule: IrrigationSchedule,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationSchedule
    func schedule(_ id: UUID, in scope: AccessScope) async throws -> IrrigationSchedule
    func listSchedules(
        programID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<IrrigationSchedule>

    /// Stores a new run (Queued or AwaitingApproval) and its first commands in one transaction: either all are
    /// stored or none.
    func createRun(
        _ run: IrrigationRun,
        commands: [DeviceCommand],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun
    func run(_ id: UUID, in scope: AccessScope) async throws -> IrrigationRun
    /// A site's runs, newest first, optionally of one status.
    func listRuns(
        siteID: UUID,
        status: RunStatus?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<IrrigationRun>
    /// Stores a run's progress (status, step runs, abort saga) and the commands it issued, in one transaction.
    /// FAILED_PRECONDITION (`RUN_FINISHED`) once the stored run is Completed or Aborted.
    func saveRun(
        _ run: IrrigationRun,
        commands: [DeviceCommand],
        in scope: AccessScope,
        audit: AuditContext
    ) async throws

    /// Appends interlock events, each with its audit row, in one transaction.
    func recordInterlockEvents(_ events: [InterlockEvent], in scope: AccessScope, audit: AuditContext) async throws
    /// The same, and `commands` into `siteID`'s outbox (no run) in that transaction: ReArm's `CLEARED` events with
    /// the controllers' `rearm` commands.
    func recordInterlockEvents(
        _ events: [InterlockEvent],
        commands: [DeviceCommand],
        siteID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
    /// A group's interlock events, newest first.
    func listInterlockEvents(
        groupID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<InterlockEvent>

    /// Claims up to `limit` (1-1000) commands due at `now` (QUEUED ones, and SENT or RECEIVED ones past their ack
    /// deadline), skipping rows another dispatcher holds, and moves each through the lifecycle: sent (or sent again
    /// with its key), or finished as TIMEOUT or EXPIRED. Two concurrent callers never claim the same command.
    func claimDueCommands(limit: Int, now: Date) async throws -> CommandClaim
    /// Applies a device's acknowledgement of a command of `siteID`. A duplicate or late one changes nothing and
    /// comes back as `.ignored`. NOT_FOUND for a command the site does not have.
    func recordAck(
        commandID: UUID,
        siteID: UUID,
        stage: CommandAck,
        reason: String?,
        at: Date
    ) async throws -> AckOutcome
    /// Marks EXPIRED every QUEUED or SENT command whose expiry has passed; returns them.
    func expireCommands(now: Date) async throws -> [StoredCommand]
    /// A command the caller may see.
    func command(_ id: UUID, in scope: AccessScope) async throws -> StoredCommand

    // MARK: - IrrigationService: changes of definitions and site-wide reads

    /// Replaces a group's name and valves. FAILED_PRECONDITION (`GROUP_ZONE_IN_USE`) when a zone a program step
    /// waters would leave the group.
    func updateGroup(
        _ group: IrrigationGroup,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationGroup
    /// FAILED_PRECONDITION (`GROUP_HAS_PROGRAMS`) while a program uses the group, (`GROUP_HAS_INTERLOCK_EVENTS`)
    /// once interlock events were recorded for it (the log is kept).
    func deleteGroup(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    /// Replaces a program's name, steps and max runtime, validated against its stored group.
    func updateProgram(
        _ program: IrrigationProgram,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationProgram
    /// FAILED_PRECONDITION (`PROGRAM_HAS_ACTIVE_RUN`) while a run of it is unfinished, (`PROGRAM_HAS_RUNS`) once it
    /// has run (the runs keep their program), (`PROGRAM_HAS_SCHEDULES`) while a schedule refers to it.
    func deleteProgram(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws
    /// Replaces a schedule's trigger, time zone and enabled flag (its program stays).
    func updateSchedule(
        _ schedule: IrrigationSchedule,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationSchedule
    func deleteSchedule(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws

    /// A site's programs, in id order.
    func listPrograms(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<IrrigationProgram>
    /// A site's schedules, in id order.
    func listSchedules(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<IrrigationSchedule>
    /// A site's runs, newest first, in any of `filter.statuses` (all when empty), of `filter.programID` when set.
    func listRuns(
        siteID: UUID,
        filter: RunFilter,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<IrrigationRun>
    /// A site's interlock events, newest first, optionally one run's.
    func listInterlockEvents(
        siteID: UUID,
        runID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<StoredInterlockEvent>
    /// A site's lockouts: each LATCHED interlock event not followed by a CLEARED one of the same group and reason,
    /// oldest first.
    func listLockouts(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<StoredLockout>
    /// A site's device commands, newest first, optionally one run's, in any of `statuses` (all when empty).
    func listCommands(
        siteID: UUID,
        runID: UUID?,
        statuses: Set<CommandStatus>,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<StoredCommand>
}

/// Which runs `listRuns(siteID:filter:...)` returns.
public struct RunFilter: Sendable, Hashable {
    /// Every status when empty.
    public var statuses: Set<RunStatus>
    public var programID: UUID?

    public init(statuses: Set<RunStatus> = [], programID: UUID? = nil) {
        self.statuses = statuses
        self.programID = programID
    }
}

/// An interlock event with its row id and site.
public struct StoredInterlockEvent: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var event: InterlockEvent

    public init(id: UUID, siteID: UUID, event: InterlockEvent) {
        self.id = id
        self.siteID = siteID
        self.event = event
    }
}

/// A lockout still in force: the LATCHED event that set it (its id names the lockout), its site and group.
public struct StoredLockout: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var groupID: UUID
    public var lockout: Lockout

    public init(id: UUID, siteID: UUID, groupID: UUID, lockout: Lockout) {
        self.id = id
        self.siteID = siteID
        self.groupID = groupID
        self.lockout = lockout
    }
}

/// A device command with the site and run it belongs to.
public struct StoredCommand: Sendable, Hashable {
    public var siteID: UUID
    public var runID: UUID?
    public var command: DeviceCommand
    /// The device's reason with its latest acknowledgement.
    public var ackReason: String?

    public init(siteID: UUID, runID: UUID?, command: DeviceCommand, ackReason: String? = nil) {
        self.siteID = siteID
        self.runID = runID
        self.command = command
        self.ackReason = ackReason
    }
}

/// What one claim did: the commands to publish now (SENT, `attempts` counting this one) and those it finished
/// instead (TIMEOUT, EXPIRED).
public struct CommandClaim: Sendable, Hashable {
    public var publish: [StoredCommand]
    public var finished: [StoredCommand]

    public init(publish: [StoredCommand] = [], finished: [StoredCommand] = []) {
        self.publish = publish
        self.finished = finished
    }
}

/// A stored acknowledgement: the command after it, and what the lifecycle made of it.
public struct AckOutcome: Sendable, Hashable {
    public var command: StoredCommand
    public var step: CommandStep

    public init(command: StoredCommand, step: CommandStep) {
        self.command = command
        self.step = step
    }
}
