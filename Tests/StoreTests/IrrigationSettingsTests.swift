import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    /// Site settings: safe defaults without a row, a round trip, the field named for a bad value, invisible to
    /// another tenant.
    @Test func irrigationSettingsDefaultRoundTripAndScope() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let defaults = try await f.irrigation.settings(siteID: f.site, in: f.scope)
            #expect(defaults == IrrigationSiteSettings(siteID: f.site))
            #expect(defaults.policy.requiredInputs == Set(InterlockInput.allCases))

            let settings = IrrigationSiteSettings(
                siteID: f.site,
                manualApproval: true,
                policy: InterlockPolicy(
                    staleAfter: 30,
                    requiredInputs: [.eStop, .door],
                    tankMinimumPercent: 20,
                    ecBounds: 1...3,
                    phBounds: 5.5...6.5,
                    alarmDelays: [.tankLow: 30, .phOutOfBounds: 12.5]
                ),
                commandTiming: CommandTiming(expiry: 20, ackTimeout: 2, maxAttempts: 4)
            )
            try await f.irrigation.saveSettings(settings, in: f.scope, audit: .none)
            #expect(try await f.irrigation.settings(siteID: f.site, in: f.scope) == settings)

            var bad = settings
            bad.policy.alarmDelays = [.eStopOpen: 5]
            let refused = await #expect(throws: DomainError.self) {
                try await f.irrigation.saveSettings(bad, in: f.scope, audit: .none)
            }
            #expect(refused?.metadata["field"] == "policy.alarm_delays.ESTOP_OPEN")
            bad = settings
            bad.commandTiming.maxAttempts = 0
            let timing = await #expect(throws: DomainError.self) {
                try await f.irrigation.saveSettings(bad, in: f.scope, audit: .none)
            }
            #expect(timing?.metadata["field"] == "command.max_attempts")

            // Another site's scope: refused by the repository, and the rows are invisible to it under RLS.
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            await #expect(throws: DomainError.self) { try await f.irrigation.settings(siteID: f.site, in: other.scope) }
            await #expect(throws: DomainError.self) {
                try await f.irrigation.saveSettings(settings, in: other.scope, audit: .none)
            }
            try await f.irrigation.setInterlockSource(
                .deviceState(deviceID: f.valves[0], property: "estop"),
                for: .eStop,
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            #expect(try await f.irrigation.interlockSources(groupID: f.group.id, in: f.scope).count == 1)
            #expect(try await f.irrigation.interlockSources(groupID: f.group.id, in: other.scope).isEmpty)
            await #expect(throws: DomainError.self) {
                try await f.irrigation.setInterlockSource(
                    nil,
                    for: .eStop,
                    groupID: f.group.id,
                    in: other.scope,
                    audit: .none
                )
            }
            #expect(try await f.irrigation.settings(siteID: f.site, in: f.scope) == settings)
        }
    }

    /// Interlock sources and what they read: a device state's property with its reported time, a stream's latest
    /// reading, lockouts (LATCHED not followed by CLEARED), open valves from the commands.
    @Test func irrigationInterlockObservationsFromTheStore() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let telemetry = PostgresTelemetryRepository(client: db.service)
            let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
            #expect(
                try await f.irrigation.interlockObservations(group: f.group, in: f.scope) == InterlockObservations()
            )

            let stream = try await telemetry.createStream(
                NewSensorStream(siteID: f.site, deviceID: f.valves[1], key: "feed_ec", type: .ec),
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.setInterlockSource(
                .deviceState(deviceID: f.valves[0], property: "estop"),
                for: .eStop,
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.setInterlockSource(
                .stream(stream.id),
                for: .ec,
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.setInterlockSource(
                .deviceState(deviceID: f.valves[0], property: "tank"),
                for: .tankLevel,
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.setInterlockSource(
                nil,
                for: .tankLevel,
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            let sources = try await f.irrigation.interlockSources(groupID: f.group.id, in: f.scope)
            #expect(
                sources == [.eStop: .deviceState(deviceID: f.valves[0], property: "estop"), .ec: .stream(stream.id)]
            )
            await #expect(throws: DomainError.self) {
                try await f.irrigation.setInterlockSource(
                    .deviceState(deviceID: f.valves[0], property: "bad property"),
                    for: .door,
                    groupID: f.group.id,
                    in: f.scope,
                    audit: .none
                )
            }

            _ = try await telemetry.recordState(
                DeviceState(
                    siteID: f.site,
                    deviceID: f.valves[0],
                    reportedAt: t0,
                    firmwareVersion: "1",
                    uptimeSeconds: 1,
                    signalDBM: -40,
                    faultCode: nil,
                    properties: ["estop": "open"]
                )
            )
            _ = try await telemetry.ingest(
                [
                    Reading(streamID: stream.id, siteID: f.site, time: t0.addingTimeInterval(-10), value: 1.1),
                    Reading(streamID: stream.id, siteID: f.site, time: t0.addingTimeInterval(-5), value: 1.7),
                ],
                siteID: f.site
            )
            let run = f.newRun()
            _ = try await f.irrigation.createRun(
                run,
                commands: [f.command(0, key: "open-0")],
                in: f.scope,
                audit: .none
            )
            try await f.irrigation.recordInterlockEvents(
                [
                    InterlockEvent(
                        groupID: f.group.id,
                        runID: run.id,
                        kind: .latched,
                        reason: .eStopOpen,
                        at: t0,
                        detail: "latched"
                    ),
                    InterlockEvent(
                        groupID: f.group.id,
                        runID: run.id,
                        kind: .latched,
                        reason: .doorOpen,
                        at: t0,
                        detail: "latched"
                    ),
                    InterlockEvent(
                        groupID: f.group.id,
                        runID: run.id,
                        kind: .cleared,
                        reason: .doorOpen,
                        at: t0.addingTimeInterval(1),
                        detail: "re-armed",
                        actorID: f.tenant.adminID
                    ),
                ],
                in: f.scope,
                audit: .none
            )
            let observed = try await f.irrigation.interlockObservations(group: f.group, in: f.scope)
            #expect(observed.values[.eStop] == Timed(.text("open"), at: t0))
            #expect(observed.values[.ec] == Timed(.number(1.7), at: t0.addingTimeInterval(-5)))
            #expect(observed.values[.tankLevel] == nil)
            #expect(observed.lockouts == [Lockout(reason: .eStopOpen, since: t0, runID: run.id)])
            #expect(observed.openValves.map(\.zoneID) == [f.zones[0]])
            #expect(observed.openValves.first?.loadClass == .heavyLoad)

            // The state holds while the device is heard from: an online heartbeat refreshes its time.
            try await telemetry.recordConnectivity(
                deviceID: f.valves[0],
                siteID: f.site,
                online: true,
                at: t0.addingTimeInterval(100)
            )
            let heard = try await f.irrigation.interlockObservations(group: f.group, in: f.scope)
            #expect(heard.values[.eStop] == Timed(.text("open"), at: t0.addingTimeInterval(100)))
            try await telemetry.recordConnectivity(
                deviceID: f.valves[0],
                siteID: f.site,
                online: false,
                at: t0.addingTimeInterval(200)
            )
            let silent = try await f.irrigation.interlockObservations(group: f.group, in: f.scope)
            #expect(silent.values[.eStop] == Timed(.text("open"), at: t0), "offline: the state's own time")

            let snapshot = InterlockSnapshot(now: t0, observations: observed)
            #expect(snapshot.eStop == Timed(.open, at: t0))
            #expect(snapshot.ec?.value == 1.7)
            #expect(snapshot.tankLevel == nil)
        }
    }
}
