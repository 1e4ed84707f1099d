import Domain
import Foundation
import Logging

extension RunEngine: IrrigationRunControl {
    public func startRun(
        programID: UUID,
        manualApproval: Bool,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        let program = try await self.repository.program(programID, in: scope)
        try Self.refuseVolumeSteps(program)
        let group = try await self.repository.group(program.groupID, in: scope)
        let progression = try await self.progression(group: group, program: program, in: scope)
        // The system (a scheduler acting as `engineActor`) is no user: its runs have no requester.
        let requester = scope.userID == self.configuration.systemActor ? nil : scope.userID
        let run = IrrigationRun(
            program: program,
            requestedBy: requester,
            requestedAt: progression.now,
            manualApproval: manualApproval || progression.settings.manualApproval
        )
        let created = try await self.repository.createRun(run, commands: [], in: scope, audit: audit)
        self.broadcaster.publish(created)
        guard created.status == .queued else { return created }
        // The run is stored: from here on a failure must not reach the caller as "not started" (a retry would start
        // a second run). The created run is returned Queued; the next pass starts it.
        do {
            let started = try await self.advance(created.id, with: progression, in: scope, audit: audit) { run, p in
                guard run.status == .queued else { return nil }
                return try p.apply([.readyForStep(run.currentStep)], to: run)
            }
            return started ?? created
        } catch {
            self.metrics.error()
            self.logger.error(
                "run created but its first step failed; the engine pass retries it: \(error)",
                metadata: ["run": "\(created.id.uuidString.lowercased())"]
            )
            return created
        }
    }

    public func approveRun(_ runID: UUID, in scope: AccessScope, audit: AuditContext) async throws -> IrrigationRun {
        let run = try await self.repository.run(runID, in: scope)
        let progression = try await self.progression(for: run, in: scope)
        let approver = scope.userID
        let approved = try await self.advance(runID, with: progression, in: scope, audit: audit) { run, p in
            var run = run
            let actions = try run.approve(by: approver)
            return try p.apply(actions, to: run)
        }
        return try await self.current(approved, runID, in: scope)
    }

    public func denyRun(
        _ runID: UUID,
        reason: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        try Validate.text(reason, field: "reason", maximum: 500)
        let run = try await self.repository.run(runID, in: scope)
        let progression = try await self.progression(for: run, in: scope)
        let approver = scope.userID
        let denied = try await self.advance(runID, with: progression, in: scope, audit: audit) { run, p in
            var run = run
            let actions = try run.deny(by: approver, at: p.now)
            return try p.apply(actions, to: run, auditDetails: ["reason": reason])
        }
        return try await self.current(denied, runID, in: scope)
    }

    public func abortRun(
        _ runID: UUID,
        reason: String,
        deadline: ContinuousClock.Instant,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> IrrigationRun {
        let run = try await self.repository.run(runID, in: scope)
        let progression = try await self.progression(for: run, in: scope)
        let operatorID = scope.userID
        var latest = try await self.current(
            try await self.advance(runID, with: progression, in: scope, audit: audit) { run, p in
                var run = run
                let actions = try run.abort(by: operatorID, reason: reason, at: p.now)
                return try p.apply(actions, to: run, auditDetails: ["reason": reason])
            },
            runID,
            in: scope
        )
        // The saga ends when the closes are confirmed (settlements, possibly on another instance): poll the store.
        while !latest.status.isFinished, ContinuousClock.now < deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            try await Task.sleep(for: min(left, self.configuration.abortPollInterval))
            latest = try await self.repository.run(runID, in: scope)
        }
        return latest
    }

    public func rearm(
        siteID: UUID,
        reason: InterlockReason,
        note: String,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> [LockoutClearance] {
        try scope.require(site: siteID)
        let settings = try await self.store.settings(siteID: siteID, in: scope)
        var clearances: [LockoutClearance] = []
        var events: [InterlockEvent] = []
        var commands: [DeviceCommand] = []
        // All or nothing: every group's lockouts must clear before any CLEARED event is written.
        for group in try await self.groups(of: siteID, in: scope) {
            let observations = try await self.store.interlockObservations(group: group, in: scope)
            var lockouts = observations.lockouts
            guard lockouts.contains(where: { $0.reason == reason }) else { continue }
            let snapshot = InterlockSnapshot(now: self.now(), observations: observations)
            let cleared = try lockouts.clear(
                reason,
                by: scope.userID,
                note: note,
                snapshot: snapshot,
                policy: settings.policy
            )
            clearances += cleared
            events += cleared.map { $0.event(group: group.id) }
            if let command = try await self.controllerRearm(group, reason, settings, in: scope) {
                commands.append(command)
            }
        }
        if clearances.isEmpty {
            var none: [Lockout] = []
            // Throws LOCKOUT_NOT_FOUND naming the reason.
            _ = try none.clear(
                reason,
                by: scope.userID,
                note: note,
                snapshot: InterlockSnapshot(now: self.now()),
                policy: settings.policy
            )
        }
        // The CLEARED events, their audit rows and the controllers' re-arms commit together.
        try await self.repository.recordInterlockEvents(
            events,
            commands: commands,
            siteID: siteID,
            in: scope,
            audit: audit
        )
        for event in events { self.metrics.interlockEvent(event.kind.rawValue) }
        self.logger.info(
            "interlock \(reason.rawValue) cleared in \(events.count) group(s), \(commands.count) controller re-arm(s) sent",
            metadata: ["site": "\(siteID.uuidString.lowercased())", "user": "\(scope.userID.uuidString.lowercased())"]
        )
        return clearances
    }

    /// The stored run, then each change of it: woken at once by this process's changes, and polling the store every
    /// `updatesPollInterval` for changes other instances make. Finishes after Completed or Aborted.
    public func updates(
        of runID: UUID,
        in scope: AccessScope
    ) async throws -> AsyncThrowingStream<IrrigationRun, any Error> {
        // Subscribe before the first read, so no change after it is missed.
        let signal = self.broadcaster.signal(for: runID)
        let first = try await self.repository.run(runID, in: scope)
        let cursor = RunCursor()
        let repository = self.repository
        let interval = self.configuration.updatesPollInterval
        return AsyncThrowingStream {
            guard let last = cursor.last else {
                cursor.last = first
                return first
            }
            guard !last.status.isFinished else { return nil }
            while true {
                await signal.wait(upTo: interval)
                try Task.checkCancellation()
                let run = try await repository.run(runID, in: scope)
                if run != last {
                    cursor.last = run
                    return run
                }
            }
        }
    }

    /// Volume steps are refused: no flow measurement is wired to the engine yet (see docs/irrigation.md).
    static func refuseVolumeSteps(_ program: IrrigationProgram) throws {
        for (index, step) in program.steps.enumerated() {
            guard case .volumeLiters = step.amount else { continue }
            throw DomainError(
                code: .failedPrecondition,
                message: "steps[\(index)] waters by volume, which the run engine cannot measure yet: use a duration",
                reason: "VOLUME_STEP_UNSUPPORTED",
                metadata: ["field": "steps[\(index)].volume", "program_id": program.id.uuidString.lowercased()]
            )
        }
    }

    private func current(_ changed: IrrigationRun?, _ runID: UUID, in scope: AccessScope) async throws -> IrrigationRun
    {
        if let changed { return changed }
        return try await self.repository.run(runID, in: scope)
    }

    /// The site's groups (at most 20 pages).
    private func groups(of siteID: UUID, in scope: AccessScope) async throws -> [IrrigationGroup] {
        var groups: [IrrigationGroup] = []
        var page = try PageRequest(size: PageRequest.maximumSize)
        for _ in 0..<20 {
            let listed = try await self.repository.listGroups(siteID: siteID, in: scope, page: page)
            groups += listed.items
            guard let token = listed.nextToken else { break }
            page = try PageRequest(size: PageRequest.maximumSize, token: token)
        }
        return groups
    }
}
