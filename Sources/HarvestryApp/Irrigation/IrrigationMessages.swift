import API
import Domain
import Foundation
import SwiftProtobuf

/// Domain irrigation values as IrrigationService messages. Names are built from ids in the given site; sets of
/// zones are listed in id order so a response does not depend on hashing.
extension Harvestry_Irrigation_V1_Run {
    init(_ run: IrrigationRun, site: UUID, manualApproval: Bool) {
        self.init()
        self.name = ResourcePattern.run.format(site, run.id)
        self.id = run.id.lowercasedString
        self.program = ResourcePattern.program.format(site, run.programID)
        self.group = ResourcePattern.irrigationGroup.format(site, run.groupID)
        self.status = .init(run.status)
        self.manualApproval = manualApproval
        if let user = run.requestedBy { self.requestedBy = ResourcePattern.user.format(user) }
        if let user = run.approvedBy { self.approvedBy = ResourcePattern.user.format(user) }
        self.requestTime = Google_Protobuf_Timestamp(date: run.requestedAt)
        if let started = run.startedAt { self.startTime = Google_Protobuf_Timestamp(date: started) }
        if let stopped = run.stoppedAt { self.stoppedAt = Google_Protobuf_Timestamp(date: stopped) }
        if let reason = run.blockReason { self.blockReason = .init(reason) }
        if let cause = run.abortCause { self.abortCause = .init(cause, site: site) }
        self.steps = run.steps.map { .init($0, site: site) }
        self.currentStep = Int32(run.currentStep)
        self.pendingCloseZones = Self.zones(run.pendingCloses, site: site)
        self.unconfirmedZones = Self.zones(run.unconfirmedZones, site: site)
    }

    static func zones(_ ids: Set<UUID>, site: UUID) -> [String] {
        ids.map { ResourcePattern.zone.format(site, $0) }.sorted()
    }
}

extension Harvestry_Irrigation_V1_StepRun {
    init(_ step: Domain.StepRun, site: UUID) {
        self.init()
        self.index = Int32(step.index)
        self.zone = ResourcePattern.zone.format(site, step.zoneID)
        self.status = .init(step.status)
        if let opened = step.openedAt { self.openTime = Google_Protobuf_Timestamp(date: opened) }
        if let closed = step.closedAt { self.closeTime = Google_Protobuf_Timestamp(date: closed) }
    }
}

extension Harvestry_Irrigation_V1_AbortCause {
    init(_ cause: RunAbortCause, site: UUID) {
        self.init()
        switch cause {
        case .operatorRequest(let by, let reason):
            self.kind = .operator
            self.by = ResourcePattern.user.format(by)
            self.reason = reason
        case .interlock(let reason):
            self.kind = .interlock
            self.interlockReason = .init(reason)
        case .device(let zoneID, let status):
            self.kind = .device
            self.zone = ResourcePattern.zone.format(site, zoneID)
            self.commandStatus = .init(status)
        case .approvalDenied(let by):
            self.kind = .approvalDenied
            self.by = ResourcePattern.user.format(by)
        }
    }
}

extension Harvestry_Irrigation_V1_StartRunResponse {
    /// `{runId, status, run}`: the seed contract's fields, status spelled as the Domain (and the seed) spells it.
    init(_ run: Harvestry_Irrigation_V1_Run, status: RunStatus) {
        self.init()
        self.runID = run.id
        self.status = status.rawValue
        self.run = run
    }
}

extension Harvestry_Irrigation_V1_AbortRunResponse {
    /// `{stoppedAt, run}`; stoppedAt stays unset while the run is still Aborting.
    init(_ run: Harvestry_Irrigation_V1_Run) {
        self.init()
        if run.hasStoppedAt { self.stoppedAt = run.stoppedAt }
        self.run = run
    }
}

extension Harvestry_Irrigation_V1_DeviceCommand {
    init(_ command: Domain.DeviceCommand, site: UUID, run: UUID?) {
        self.init()
        self.name = ResourcePattern.deviceCommand.format(site, command.id)
        self.device = ResourcePattern.equipment.format(site, command.deviceID)
        self.zone = ResourcePattern.zone.format(site, command.zoneID)
        if let run { self.run = ResourcePattern.run.format(site, run) }
        switch command.action {
        case .open: self.action = .open
        case .close: self.action = .close
        case .rearm: self.action = .rearm
        }
        self.idempotencyKey = command.idempotencyKey
        self.status = .init(command.status)
        self.attempts = Int32(command.attempts)
        self.maxAttempts = Int32(command.maxAttempts)
        self.createTime = Google_Protobuf_Timestamp(date: command.createdAt)
        self.expireTime = Google_Protobuf_Timestamp(date: command.expiresAt)
        self.ackTimeout = Google_Protobuf_Duration(timeInterval: command.ackTimeout)
        if let finished = command.finishedAt { self.finishTime = Google_Protobuf_Timestamp(date: finished) }
    }
}

extension Harvestry_Irrigation_V1_InterlockEvent {
    init(_ event: Domain.InterlockEvent, id: UUID, site: UUID) {
        self.init()
        self.name = ResourcePattern.interlockEvent.format(site, id)
        self.group = ResourcePattern.irrigationGroup.format(site, event.groupID)
        if let run = event.runID { self.run = ResourcePattern.run.format(site, run) }
        self.kind = .init(event.kind)
        self.reason = .init(event.reason)
        self.eventTime = Google_Protobuf_Timestamp(date: event.at)
        self.detail = event.detail
        if let actor = event.actorID { self.actor = ResourcePattern.user.format(actor) }
    }
}

extension Harvestry_Irrigation_V1_Lockout {
    init(_ lockout: Domain.Lockout, id: UUID, site: UUID) {
        self.init()
        self.name = ResourcePattern.lockout.format(site, id)
        self.reason = .init(lockout.reason)
        self.since = Google_Protobuf_Timestamp(date: lockout.since)
        if let run = lockout.runID { self.run = ResourcePattern.run.format(site, run) }
    }
}
