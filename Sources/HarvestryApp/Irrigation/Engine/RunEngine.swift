import Domain
import Foundation
import Logging
import Synchronization

/// The irrigation run engine: moves runs through their state machine (`IrrigationRun+Progress`), evaluates the
/// interlocks before every step and while water flows, issues valve commands to the outbox in the run change's
/// transaction, and applies the command plane's settlements.
///
/// Every change of a run happens under its row lock (`IrrigationEngineStore.updateRun`), so several instances can
/// run an engine each: one at a time advances a given run. The periodic pass (`run()`, every `tickInterval`) is
/// what makes timers, continuous interlocks and Queued retries happen; see docs/irrigation.md, "Run engine".
public struct RunEngine: Sendable {
    let repository: any IrrigationRepository
    let store: any IrrigationEngineStore
    let configuration: RunEngineConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics: RunEngineMetrics
    let broadcaster = RunUpdateBroadcaster()
    /// Alarm-delay state per Running run (in memory: after a restart a delay starts again).
    let alarms = AlarmBook()

    public init(
        repository: any IrrigationRepository,
        store: any IrrigationEngineStore,
        configuration: RunEngineConfiguration = RunEngineConfiguration(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "harvestry.irrigation.engine"),
        metrics: RunEngineMetrics = RunEngineMetrics()
    ) {
        self.repository = repository
        self.store = store
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.metrics = metrics
    }

    /// The run's program, group, site settings and interlock snapshot, read now.
    func progression(for run: IrrigationRun, in scope: AccessScope) async throws -> RunProgression {
        let program = try await self.repository.program(run.programID, in: scope)
        let group = try await self.repository.group(run.groupID, in: scope)
        return try await self.progression(group: group, program: program, in: scope)
    }

    func progression(
        group: IrrigationGroup,
        program: IrrigationProgram,
        in scope: AccessScope
    ) async throws -> RunProgression {
        let settings = try await self.store.settings(siteID: group.siteID, in: scope)
        let observations = try await self.store.interlockObservations(group: group, in: scope)
        return RunProgression(
            group: group,
            program: program,
            settings: settings,
            snapshot: InterlockSnapshot(now: self.now(), observations: observations)
        )
    }

    /// Changes the run under its row lock with `body` (given the run as locked and `progression`), then logs the
    /// change's alerts and events and tells `updates(of:)` subscribers. Nil when nothing changed.
    @discardableResult
    func advance(
        _ runID: UUID,
        with progression: RunProgression,
        settling commandID: UUID? = nil,
        in scope: AccessScope,
        audit: AuditContext,
        _ body: @escaping @Sendable (IrrigationRun, RunProgression) throws -> RunChange?
    ) async throws -> IrrigationRun? {
        let stored = Mutex<(change: RunChange?, before: RunStatus?)>((nil, nil))
        let updated = try await self.store.updateRun(runID, settling: commandID, in: scope, audit: audit) { run, open in
            // The open valves as read under the group's lock, not as read before it (the cap across instances).
            var locked = progression
            locked.snapshot.openValves = open
            let change = try body(run, locked)
            stored.withLock { $0 = (change, run.status) }
            return change
        }
        guard let updated else { return nil }
        let (change, before) = stored.withLock { $0 }
        if let change { self.report(change, site: progression.group.siteID) }
        self.broadcaster.publish(updated)
        if updated.status != .running { self.alarms.forget(updated.id) }
        // Only the change that ended the run Aborted (one per run, under its row lock) may queue its retry.
        if updated.status == .aborted, let before, before != .aborted {
            await self.retryAfterTankLow(updated, in: scope)
        }
        return updated
    }

    /// Logs and counts what a stored change raised.
    private func report(_ change: RunChange, site: UUID) {
        let run = change.run.id.uuidString.lowercased()
        for alert in change.alerts {
            self.metrics.alert(alert.code)
            var metadata: Logger.Metadata = [
                "site": "\(site.uuidString.lowercased())", "run": "\(run)", "alert": "\(alert.code)",
            ]
            if let zone = alert.zoneID { metadata["zone"] = "\(zone.uuidString.lowercased())" }
            self.logger.warning("irrigation alert: \(alert.detail)", metadata: metadata)
        }
        for event in change.events {
            self.metrics.interlockEvent(event.kind.rawValue)
            self.logger.info(
                "interlock \(event.kind.rawValue) \(event.reason.rawValue): \(event.detail)",
                metadata: ["site": "\(site.uuidString.lowercased())", "run": "\(run)"]
            )
        }
    }

    /// How many runs have alarm-delay state in this engine (pruned to the Running runs each complete pass).
    public var alarmStateCount: Int { self.alarms.count }

    /// The scope the engine acts under for work of its own in `site`.
    func systemScope(_ site: EngineSite) -> AccessScope {
        AccessScope(
            organizationID: site.organizationID,
            userID: self.configuration.systemActor,
            siteIDs: [site.siteID],
            roles: []
        )
    }
}

/// Alarm-delay state per run (with its site), shared by the engine's passes.
final class AlarmBook: Sendable {
    private let alarms = Mutex<[UUID: (site: UUID, state: InterlockAlarms)]>([:])

    /// `duringRun` with the run's alarm state, which it updates.
    func decide(_ watch: RunWatch, _ progression: RunProgression) -> RunDecision {
        self.alarms.withLock { alarms in
            var state = alarms[watch.runID]?.state ?? InterlockAlarms()
            let decision = progression.evaluator.duringRun(watch, in: progression.snapshot, alarms: &state)
            alarms[watch.runID] = (progression.group.siteID, state)
            return decision
        }
    }

    func forget(_ runID: UUID) { _ = self.alarms.withLock { $0.removeValue(forKey: runID) } }

    /// Drops the state of every run of a site in `sites` that is not in `running`, and (when `others` is true) of
    /// every run of a site not in `sites`: a run that left Running elsewhere (another instance, a settlement) or
    /// whose site has no live run any more must not keep its entry.
    func keep(only running: Set<UUID>, in sites: Set<UUID>, dropOtherSites others: Bool) {
        self.alarms.withLock { alarms in
            for (id, entry) in alarms where !running.contains(id) {
                if sites.contains(entry.site) || others { alarms.removeValue(forKey: id) }
            }
        }
    }

    /// How many runs have alarm state.
    var count: Int { self.alarms.withLock { $0.count } }
}
