import API
import Domain
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Synchronization
import Testing

extension DatabaseSuites {
    /// The six run-control RPCs against a recording run control (the request -> call mapping, errors and response
    /// shapes), and the reads against Postgres.
    @Suite("IrrigationService runs over gRPC")
    struct IrrigationServiceRunTests {
        @Test("start, deny, abort (deadline, stoppedAt), stream, and the run reads")
        func runs() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let metadata = session.metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: metadata)
                let userID = try #require(UUID(uuidString: session.response.user.id))
                let programID = try #require(UUID(uuidString: f.program.id))

                let started = try await server.irrigation.startRun(
                    .with {
                        $0.parent = f.site
                        $0.program = f.program.name
                        $0.requestID = "start-1"
                    },
                    metadata: metadata
                )
                #expect(started.status == "Queued" && started.run.status == .queued)
                #expect(
                    started.runID == started.run.id && started.run.name == "\(f.site)/irrigationRuns/\(started.runID)"
                )
                #expect(started.run.steps.map(\.zone) == [f.zones[0].name, f.zones[1].name])
                #expect(!started.run.manualApproval && !started.run.hasStoppedAt)
                #expect(
                    server.runControl.calls.first
                        == .start(programID: programID, manualApproval: false, user: userID, requestID: "start-1")
                )

                // AIP-155: a repeat of the request id answers the first run; the engine is not asked again.
                let repeated = try await server.irrigation.startRun(
                    .with {
                        $0.parent = f.site
                        $0.program = f.program.name
                        $0.requestID = "start-1"
                    },
                    metadata: metadata
                )
                #expect(repeated.runID == started.runID && server.runControl.calls.count == 1)

                // Stream: the stored run, then its first step opening (the recorder's second update); then the end.
                let updates = try await server.irrigation.streamRun(
                    .with { $0.name = started.run.name },
                    metadata: metadata
                ) { response in
                    var all: [Harvestry_Irrigation_V1_RunUpdate] = []
                    for try await update in response.messages { all.append(update) }
                    return all
                }
                #expect(updates.count == 2)
                #expect(!updates[0].hasStep && updates[0].run.status == .queued)
                #expect(updates[1].step.index == 0 && updates[1].step.status == .opening)
                #expect(updates[1].run.status == .running && updates.allSatisfy(\.hasUpdateTime))

                // Abort with the call's deadline: the engine gets (about) that much time, and stoppedAt once Aborted.
                let aborted = try await server.irrigation.abortRun(
                    .with {
                        $0.name = started.run.name
                        $0.reason = "leak in row 3"
                    },
                    metadata: metadata,
                    options: {
                        var options = CallOptions.defaults; options.timeout = .seconds(30); return options
                    }()
                )
                #expect(aborted.hasStoppedAt && aborted.stoppedAt == aborted.run.stoppedAt)
                #expect(aborted.run.status == .aborted && aborted.run.abortCause.reason == "leak in row 3")
                guard case .abort(let runID, let reason, let user, let wait)? = server.runControl.calls.last else {
                    Issue.record("no abort call: \(server.runControl.calls)")
                    return
                }
                #expect(runID.uuidString.lowercased() == started.runID && reason == "leak in row 3" && user == userID)
                #expect(wait <= .seconds(30) && wait > .seconds(20), "\(wait)")
                // Aborting it again answers it as it is.
                let again = try await server.irrigation.abortRun(
                    .with {
                        $0.runID = started.runID
                        $0.reason = "again"
                    },
                    metadata: metadata
                )
                #expect(again.run.status == .aborted && again.stoppedAt == aborted.stoppedAt)
                guard case .abort(_, _, _, let defaultWait)? = server.runControl.calls.last else {
                    Issue.record("no abort call: \(server.runControl.calls)")
                    return
                }
                #expect(defaultWait <= .seconds(5) && defaultWait > .seconds(4), "\(defaultWait)")

                // Still Aborting at the deadline: no stoppedAt.
                let second = try await server.irrigation.startRun(
                    .with { $0.programID = f.program.id },
                    metadata: metadata
                )
                server.runControl.abortStaysAborting.withLock { $0 = true }
                let pending = try await server.irrigation.abortRun(
                    .with {
                        $0.runID = second.runID
                        $0.reason = "stop"
                    },
                    metadata: metadata
                )
                server.runControl.abortStaysAborting.withLock { $0 = false }
                #expect(pending.run.status == .aborting && !pending.hasStoppedAt)
                #expect(pending.run.pendingCloseZones == [f.zones[0].name, f.zones[1].name].sorted())

                // Deny: another person's run ends Aborted, cause APPROVAL_DENIED.
                let operatorBadge = try await makeUser(server, tenant, roles: ["operator"], sites: [0]).badge
                let requested = try await server.irrigation.startRun(
                    .with {
                        $0.programID = f.program.id
                        $0.manualApproval = true
                    },
                    metadata: try await server.login(operatorBadge).metadata
                )
                let denied = try await server.irrigation.denyRun(
                    .with {
                        $0.name = requested.run.name
                        $0.reason = "tank being cleaned"
                    },
                    metadata: metadata
                )
                #expect(denied.status == .aborted && denied.abortCause.kind == .approvalDenied)
                await expectStatus(.invalidArgument) {
                    _ = try await server.irrigation.denyRun(.with { $0.name = requested.run.name }, metadata: metadata)
                }

                // A run named under another of the caller's sites is not found there.
                let misplaced = "\(tenant.site(1))/irrigationRuns/\(second.runID)"
                await expectStatus(.notFound) {
                    _ = try await server.irrigation.getRun(.with { $0.name = misplaced }, metadata: metadata)
                }
                await expectStatus(.notFound) {
                    _ = try await server.irrigation.approveRun(.with { $0.name = misplaced }, metadata: metadata)
                }

                // Reads.
                let got = try await server.irrigation.getRun(.with { $0.name = second.run.name }, metadata: metadata)
                #expect(got.id == second.runID && got.status == .queued)
                let all = try await server.irrigation.listRuns(.with { $0.parent = f.site }, metadata: metadata)
                #expect(all.runs.map(\.id) == [requested.runID, second.runID, started.runID])
                let abortedOnly = try await server.irrigation.listRuns(
                    .with {
                        $0.parent = f.site
                        $0.statuses = [.aborted]
                        $0.program = f.program.name
                        $0.pageSize = 1
                    },
                    metadata: metadata
                )
                #expect(abortedOnly.runs.map(\.id) == [requested.runID] && !abortedOnly.nextPageToken.isEmpty)
                let badFilter = await expectStatus(.invalidArgument) {
                    _ = try await server.irrigation.listRuns(
                        .with {
                            $0.parent = f.site
                            $0.statuses = [.unspecified]
                        },
                        metadata: metadata
                    )
                }
                #expect(badFilter?.fieldViolations.map(\.field) == ["statuses[0]"])
                let commands = try await server.irrigation.listDeviceCommands(
                    .with {
                        $0.parent = f.site
                        $0.run = started.run.name
                        $0.statuses = [.queued]
                    },
                    metadata: metadata
                )
                #expect(commands.deviceCommands.isEmpty)
                let events = try await server.irrigation.listInterlockEvents(
                    .with { $0.parent = f.site },
                    metadata: metadata
                )
                #expect(events.interlockEvents.isEmpty)
                let crossSite = await expectStatus(.invalidArgument) {
                    _ = try await server.irrigation.listInterlockEvents(
                        .with {
                            $0.parent = tenant.site(1)
                            $0.run = started.run.name
                        },
                        metadata: metadata
                    )
                }
                #expect(crossSite?.fieldViolations.map(\.field) == ["run"])
            }
        }

        @Test("ReArm is a high-risk action: a second person's witness token, latching reasons only, audited")
        func rearm() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let metadata = session.metadata
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: metadata)
                let site = tenant.siteIDs[0]
                let scope = AccessScope(
                    organizationID: tenant.organizationID,
                    userID: tenant.adminID,
                    siteIDs: [site],
                    roles: ["admin"]
                )
                try await server.runControl.repository.recordInterlockEvents(
                    [
                        InterlockEvent(
                            groupID: try #require(UUID(uuidString: f.group.id)),
                            runID: nil,
                            kind: .latched,
                            reason: .eStopOpen,
                            at: Date(),
                            detail: "E-STOP pressed"
                        )
                    ],
                    in: scope,
                    audit: .none
                )
                let lockouts = try await server.irrigation.listLockouts(
                    .with { $0.parent = f.site },
                    metadata: metadata
                )
                #expect(lockouts.lockouts.map(\.reason) == [.estopOpen])
                #expect(lockouts.lockouts.first?.name.hasPrefix("\(f.site)/lockouts/") == true)

                let request = Harvestry_Irrigation_V1_ReArmRequest.with {
                    $0.site = f.site
                    $0.reason = .estopOpen
                    $0.note = "loop checked, E-STOP released"
                }
                await expectStatus(.permissionDenied, reason: "SECOND_PERSON_REQUIRED") {
                    _ = try await server.irrigation.reArm(request, metadata: metadata)
                }
                var ownWitness = metadata
                ownWitness.addString(
                    try await server.login(tenant.adminBadge, device: "kiosk-2").token,
                    forKey: "witness-token"
                )
                await expectStatus(.permissionDenied, reason: "SECOND_PERSON_SAME_AS_ACTOR") {
                    _ = try await server.irrigation.reArm(request, metadata: ownWitness)
                }
                let notLatching = await expectStatus(.invalidArgument, reason: "REASON_NOT_LATCHING") {
                    _ = try await server.irrigation.reArm(
                        .with {
                            $0.site = f.site; $0.reason = .tankLow; $0.note = "x"
                        },
                        metadata: metadata
                    )
                }
                #expect(notLatching?.fieldViolations.map(\.field) == ["reason"])
                #expect(server.runControl.calls.allSatisfy { if case .rearm = $0 { false } else { true } })

                // An operator may not re-arm, witnessed or not.
                let operatorBadge = try await makeUser(server, tenant, roles: ["operator"], sites: [0]).badge
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.irrigation.reArm(
                        request,
                        metadata: try await server.login(operatorBadge).metadata
                    )
                }

                let (supervisorBadge, supervisor) = try await makeUser(
                    server,
                    tenant,
                    roles: ["supervisor"],
                    sites: [0]
                )
                var witnessed = metadata
                witnessed.addString(
                    try await server.login(supervisorBadge, device: "kiosk-2").token,
                    forKey: "witness-token"
                )
                let cleared = try await server.irrigation.reArm(request, metadata: witnessed)
                #expect(cleared.cleared.map(\.name) == lockouts.lockouts.map(\.name))
                #expect(cleared.clearedBy == "users/\(session.response.user.id)" && cleared.hasClearTime_p)
                let supervisorID = try #require(UUID(uuidString: supervisor.id))
                #expect(
                    server.runControl.calls.last
                        == .rearm(
                            siteID: site,
                            reason: .eStopOpen,
                            note: "loop checked, E-STOP released",
                            user: tenant.adminID,
                            witness: supervisorID
                        )
                )
                let after = try await server.irrigation.listLockouts(.with { $0.parent = f.site }, metadata: metadata)
                #expect(after.lockouts.isEmpty)
            }
        }
    }
}
