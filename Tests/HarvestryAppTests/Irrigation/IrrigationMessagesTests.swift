import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

@Suite("IrrigationService messages from Domain values")
struct IrrigationMessagesTests {
    static let site = UUID(uuidString: IrrigationFixtures.site)!
    static let zones = IrrigationFixtures.zones.map { UUID(uuidString: $0)! }
    static let requester = UUID()
    static let approver = UUID()
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    static var program: IrrigationProgram {
        IrrigationProgram(
            groupID: UUID(),
            name: "Morning",
            steps: [
                ProgramStep(zoneID: Self.zones[1], amount: .duration(60)),
                ProgramStep(zoneID: Self.zones[0], amount: .volumeLiters(5)),
            ],
            maxRuntime: 3_600
        )
    }

    @Test("an approved, watering run aborted by an operator reads ABORTING with its pending closes, no stoppedAt")
    func abortingRun() throws {
        var run = IrrigationRun(
            program: Self.program,
            requestedBy: Self.requester,
            requestedAt: Self.start,
            manualApproval: true
        )
        let awaiting = Harvestry_Irrigation_V1_StartRunResponse(
            .init(run, site: Self.site, manualApproval: true),
            status: run.status
        )
        #expect(awaiting.status == "AwaitingApproval" && awaiting.run.status == .awaitingApproval)
        #expect(awaiting.runID == run.id.lowercasedString)

        _ = try run.approve(by: Self.approver)
        _ = try run.startStep(.allowed, at: Self.start.addingTimeInterval(5))
        _ = try run.abort(by: Self.approver, reason: "leak in row 3", at: Self.start.addingTimeInterval(9))
        let message = Harvestry_Irrigation_V1_Run(run, site: Self.site, manualApproval: true)
        #expect(message.name == "sites/\(IrrigationFixtures.site)/irrigationRuns/\(run.id.lowercasedString)")
        #expect(message.status == .aborting)
        #expect(message.approvedBy == "users/\(Self.approver.lowercasedString)")
        #expect(message.requestedBy == "users/\(Self.requester.lowercasedString)")
        #expect(message.startTime == Google_Protobuf_Timestamp(date: Self.start.addingTimeInterval(5)))
        #expect(!message.hasStoppedAt)
        #expect(message.abortCause.kind == .operator && message.abortCause.reason == "leak in row 3")
        #expect(message.pendingCloseZones == [IrrigationFixtures.zone(0), IrrigationFixtures.zone(1)].sorted())
        #expect(message.steps.map(\.status) == [.opening, .pending])
        #expect(message.steps.map(\.zone) == [IrrigationFixtures.zone(1), IrrigationFixtures.zone(0)])

        let response = Harvestry_Irrigation_V1_AbortRunResponse(message)
        #expect(!response.hasStoppedAt)
        #expect(try !response.jsonString().contains("stoppedAt"))
    }

    @Test("a queued run blocked by a latch ends Aborted at once: stoppedAt, blockReason and the interlock cause")
    func blockedRun() throws {
        var run = IrrigationRun(program: Self.program, requestedBy: nil, requestedAt: Self.start, manualApproval: false)
        let stop = Self.start.addingTimeInterval(2)
        _ = try run.startStep(.blocked([.eStopOpen, .tankLow]), at: stop)
        let message = Harvestry_Irrigation_V1_Run(run, site: Self.site, manualApproval: false)
        #expect(message.status == .aborted)
        #expect(message.blockReason == .estopOpen)
        #expect(message.abortCause.kind == .interlock && message.abortCause.interlockReason == .estopOpen)
        #expect(message.requestedBy.isEmpty)

        let response = Harvestry_Irrigation_V1_AbortRunResponse(message)
        #expect(response.stoppedAt == Google_Protobuf_Timestamp(date: stop))
        let json = try response.jsonString()
        #expect(json.hasPrefix(#"{"stoppedAt":"2026-05-28T20:26:42Z","run":{"#), "\(json)")
        #expect(json.contains(#""status":"ABORTED""#) && json.contains(#""blockReason":"ESTOP_OPEN""#))
    }

    @Test("commands, interlock events and lockouts carry the Domain's codes and resource names")
    func readViews() {
        let created = Self.start
        let device = UUID()
        let run = UUID()
        let command = Domain.DeviceCommand(
            deviceID: device,
            zoneID: Self.zones[2],
            action: .close,
            idempotencyKey: "\(run)/abort/\(Self.zones[2])/close/1",
            createdAt: created,
            expiresAt: created.addingTimeInterval(30),
            ackTimeout: 2.5
        )
        let message = Harvestry_Irrigation_V1_DeviceCommand(command, site: Self.site, run: run)
        #expect(message.name == "sites/\(IrrigationFixtures.site)/deviceCommands/\(command.id.lowercasedString)")
        #expect(message.device == ResourcePattern.equipment.format(Self.site, device))
        #expect(message.zone == IrrigationFixtures.zone(2))
        #expect(message.action == .close && message.status == .queued && message.attempts == 0)
        #expect(
            message.maxAttempts == 3 && message.ackTimeout == Google_Protobuf_Duration(seconds: 2, nanos: 500_000_000)
        )
        #expect(message.idempotencyKey == command.idempotencyKey && !message.hasFinishTime)

        let actor = UUID()
        let event = Domain.InterlockEvent(
            groupID: UUID(),
            runID: nil,
            kind: .cleared,
            reason: .doorOpen,
            at: created,
            detail: "door closed, re-armed",
            actorID: actor
        )
        let eventID = UUID()
        let eventMessage = Harvestry_Irrigation_V1_InterlockEvent(event, id: eventID, site: Self.site)
        #expect(eventMessage.name == ResourcePattern.interlockEvent.format(Self.site, eventID))
        #expect(eventMessage.kind == .cleared && eventMessage.reason == .doorOpen && eventMessage.run.isEmpty)
        #expect(eventMessage.actor == "users/\(actor.lowercasedString)" && eventMessage.detail == event.detail)

        let lockout = Harvestry_Irrigation_V1_Lockout(
            Lockout(reason: .phOutOfBounds, since: created, runID: run),
            id: eventID,
            site: Self.site
        )
        #expect(lockout.reason == .phOutOfBounds && lockout.run == ResourcePattern.run.format(Self.site, run))
    }
}
