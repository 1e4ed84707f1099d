import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension DatabaseSuites {
    /// What the engine sends the edge controller beyond valve opens and closes: timed opens (`duration_s`) and its
    /// own re-arm with ReArm; a re-arm the controller refuses latches the platform's lockout again.
    @Suite struct RunEngineControllerTests {
        @Test("a step's open carries its duration plus the margin; closes carry none")
        func opensAreTimed() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                let open = try #require(try await f.commands(started.id).first)
                #expect(open.action == .open)
                #expect(open.durationSeconds == 60 + TimedOpen.marginSeconds)
                try await f.ack(open)
                f.clock.advance(60)
                await f.tick()
                let close = try #require(try await f.commands(started.id).last)
                #expect(close.action == .close)
                #expect(close.durationSeconds == nil)
            }
        }

        @Test("ReArm of an E-STOP enqueues the controller's rearm; refused, the lockout is back; executed, runs start")
        func rearmReachesTheController() async throws {
            try await RunEngineFixture.with { f in
                let started = try await f.start()
                try await f.ack(try await f.commands(started.id)[0])
                f.clock.advance(5)
                try await f.controllerReports(estop: "open")
                await f.tick()
                for close in try await f.commands(started.id) where close.action == .close { try await f.ack(close) }
                f.clock.advance(1)
                try await f.controllerReports(estop: "closed")

                _ = try await Self.rearm(f)
                var rearms = try await Self.rearms(f)
                try #require(rearms.count == 1)
                #expect(rearms[0].command.deviceID == f.controller)
                #expect(rearms[0].command.authorizer == f.scope.userID.uuidString.lowercased())
                #expect(rearms[0].command.status == .queued)
                #expect(rearms[0].runID == nil)
                #expect(try await Self.lockouts(f).isEmpty)

                // The controller refuses (its loop opened again meanwhile): the platform latches again.
                try await f.ack(rearms[0].command, .rejected)
                #expect(try await Self.lockouts(f) == [.eStopOpen])
                let refused = try await f.start()
                #expect(refused.status == .aborted, "latched again: a new run is aborted, not sent to the controller")
                #expect(try await f.commands(refused.id).isEmpty)

                f.clock.advance(1)
                try await f.controllerReports(estop: "closed")
                _ = try await Self.rearm(f)
                rearms = try await Self.rearms(f)
                try #require(rearms.count == 2)
                try await f.ack(rearms[1].command)
                #expect(try await Self.lockouts(f).isEmpty)
                #expect(try await f.start().status == .running)
            }
        }

        static func rearm(_ f: RunEngineFixture) async throws -> [LockoutClearance] {
            try await f.engine.rearm(
                siteID: f.site,
                reason: .eStopOpen,
                note: "loop checked",
                in: f.scope,
                audit: .none
            )
        }

        /// The site's `rearm` commands, oldest first.
        static func rearms(_ f: RunEngineFixture) async throws -> [StoredCommand] {
            let rows = try await f.database.owner.query(
                "SELECT id FROM device_commands WHERE action = 'rearm' AND site_id = $1::uuid ORDER BY created_at",
                [SQLValue(f.site)]
            )
            var found: [StoredCommand] = []
            for row in rows { found.append(try await f.irrigation.command(try row.decode("id"), in: f.scope)) }
            return found
        }

        static func lockouts(_ f: RunEngineFixture) async throws -> [InterlockReason] {
            let page = try await f.irrigation.listLockouts(siteID: f.site, in: f.scope, page: PageRequest(size: 50))
            return page.items.map(\.lockout.reason)
        }
    }
}
