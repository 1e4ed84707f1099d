import Domain
import Foundation
import HarvestryApp
import Synchronization

/// A run engine that records each StartRun and returns a Queued run (or fails with `failure`). Only StartRun is the
/// scheduler's; the other calls throw.
final class StartRecordingRunControl: IrrigationRunControl {
    struct Start: Sendable, Hashable {
        var programID: UUID
        var scope: AccessScope
        var audit: AuditContext
        var runID: UUID
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let programs: [UUID: IrrigationProgram]
    let failure: String?
    private let recorded = Mutex<[Start]>([])

    init(programs: [IrrigationProgram], failure: String? = nil) {
        self.programs = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0) })
        self.failure = failure
    }

    var starts: [Start] { self.recorded.withLock { $0 } }

    func startRun(
        programID: UUID,
        manualApproval: Bool,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        let run = self.programs[programID].map {
            IrrigationRun(program: $0, requestedBy: scope.userID, requestedAt: Date(), manualApproval: manualApproval)
        }
        self.recorded.withLock {
            $0.append(Start(programID: programID, scope: scope, audit: audit, runID: run?.id ?? UUID()))
        }
        if let failure { throw Failure(description: failure) }
        guard let run else { throw DomainError.notFound("program", id: programID.uuidString.lowercased()) }
        return run
    }

    func approveRun(_ runID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> IrrigationRun {
        throw Failure(description: "not the scheduler's")
    }

    func denyRun(
        _ runID: UUID,
        reason: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> IrrigationRun
    {
        throw Failure(description: "not the scheduler's")
    }

    func abortRun(
        _ runID: UUID,
        reason: String,
        deadline: ContinuousClock.Instant,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        throw Failure(description: "not the scheduler's")
    }

    func rearm(
        siteID: UUID,
        reason: InterlockReason,
        note: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> [LockoutClearance] {
        throw Failure(description: "not the scheduler's")
    }

    func updates(of runID: UUID, in scope: AccessScope) async throws -> AsyncThrowingStream<IrrigationRun, any Error> {
        throw Failure(description: "not the scheduler's")
    }
}

/// A clock the test moves: `sleep(until:)` returns once the test has set the time at or past the deadline.
final class ManualSchedulerClock: SchedulerClock {
    private let current: Mutex<Date>

    init(_ start: Date) { self.current = Mutex(start) }

    func now() -> Date { self.current.withLock { $0 } }

    func set(_ instant: Date) { self.current.withLock { $0 = instant } }

    func sleep(until deadline: Date) async throws {
        // Bounded by the test's time limit; each wait is short real time.
        while self.now() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
