import Domain
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts irrigation programs at their schedules' times (docs/irrigation.md, "Scheduler").
///
/// Each round (`tick(now:)`) reads every enabled time-of-day schedule, plans its fires with `ScheduleFirePlan`
/// (the missed-fire policy), records missed fires as skipped, and for a fire due now claims it in the database; the
/// instance whose claim lands calls `IrrigationRunControl.startRun` on behalf of the schedule's owner and stores the
/// run (or the failure) with the fire. Several instances may run at once: each fire is decided once. With a
/// `PhaseFireRepository`, each round also fires the `batchPhaseChange` schedules of recorded batch phase changes,
/// once per (change, schedule) (`IrrigationScheduler+Phases.swift`).
public struct IrrigationScheduler: Service {
    public struct Configuration: Sendable, Hashable {
        /// A fire missed by at most this long still runs (once); older missed fires are recorded as skipped.
        public var grace: Duration
        /// The longest sleep between rounds, so new or changed schedules are seen within it.
        public var pollInterval: Duration
        /// This instance's name in the fires it decides (logs and `irrigation_schedule_fires.instance`).
        public var instance: String
        /// How far back a round looks for batch phase changes not yet decided: a change this old or older is never
        /// looked at (no fire, no `skipped` row); a younger one beyond the grace is recorded `skipped` (`late`).
        public var phaseLookBack: Duration

        public init(
            grace: Duration = .seconds(600),
            pollInterval: Duration = .seconds(30),
            instance: String = Self.defaultInstance,
            phaseLookBack: Duration = .seconds(7 * 86_400)
        ) {
            self.grace = grace
            self.pollInterval = pollInterval
            self.instance = instance
            self.phaseLookBack = phaseLookBack
        }

        /// `host:pid` (gethostname(2), no name lookup).
        public static var defaultInstance: String {
            var buffer = [CChar](repeating: 0, count: 256)
            let host = gethostname(&buffer, buffer.count - 1) == 0 ? String(cString: buffer) : "host"
            return "\(host.prefix(150)):\(getpid())"
        }

        /// Grace 0 s ... 24 h, poll 1 s ... 1 h, instance 1-200 characters, phase look-back grace ... 400 days;
        /// errors name the setting.
        public func validate() throws {
            guard grace >= .zero, grace <= .seconds(86_400) else {
                throw DomainError.invalid("scheduler.grace", "must be 0 s to 24 h")
            }
            guard pollInterval >= .seconds(1), pollInterval <= .seconds(3_600) else {
                throw DomainError.invalid("scheduler.poll_interval", "must be 1 s to 1 h")
            }
            try Validate.text(self.instance, field: "scheduler.instance", maximum: 200)
            guard phaseLookBack >= grace, phaseLookBack <= .seconds(400 * 86_400) else {
                throw DomainError.invalid(
                    "scheduler.phase_look_back",
                    "must be at least the grace and at most 400 days"
                )
            }
        }
    }

    let repository: any ScheduleFireRepository
    /// Phase-change schedules (nil: only time-of-day schedules fire).
    let phases: (any PhaseFireRepository)?
    let runControl: any IrrigationRunControl
    let clock: any SchedulerClock
    let configuration: Configuration
    public let metrics: IrrigationSchedulerMetrics
    let logger: Logger

    public init(
        repository: any ScheduleFireRepository,
        phases: (any PhaseFireRepository)? = nil,
        runControl: any IrrigationRunControl,
        configuration: Configuration = .init(),
        clock: any SchedulerClock = WallSchedulerClock(),
        metrics: IrrigationSchedulerMetrics = .init(),
        logger: Logger
    ) throws {
        try configuration.validate()
        self.repository = repository
        self.phases = phases
        self.runControl = runControl
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Rounds until graceful shutdown or cancellation: each sleeps until the earliest next fire, at most
    /// `pollInterval` (bounded, so schedule changes are seen). A graceful shutdown cuts the sleep short but lets a
    /// round in progress finish, so a claimed fire is not left between StartRun and its record.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = self.clock.now()
            let round = await self.tick(now: now)
            let poll = now.addingTimeInterval(Self.seconds(self.configuration.pollInterval))
            let wake = round.nextFire.map { min($0, poll) } ?? poll
            try? await cancelWhenGracefulShutdown {
                try await self.clock.sleep(until: max(wake, now.addingTimeInterval(0.05)))
            }
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
