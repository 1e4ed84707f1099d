import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    @Test func irrigationDefinitionsRoundTripAndBadInputNamesTheField() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            #expect(try await f.irrigation.group(f.group.id, in: f.scope) == f.group)
            #expect(try await f.irrigation.program(f.program.id, in: f.scope) == f.program)
            #expect(try await f.irrigation.listGroups(siteID: f.site, in: f.scope, page: .first).items == [f.group])
            #expect(
                try await f.irrigation.listPrograms(groupID: f.group.id, in: f.scope, page: .first).items == [f.program]
            )
            let timed = IrrigationSchedule(
                programID: f.program.id,
                trigger: .timeOfDay(TimeOfDay(hour: 6, minute: 30), days: [.monday, .thursday]),
                timeZoneIdentifier: "America/Denver"
            )
            let phased = IrrigationSchedule(
                programID: f.program.id,
                trigger: .batchPhaseChange(toPhase: "flower"),
                timeZoneIdentifier: "UTC",
                enabled: false
            )
            #expect(try await f.irrigation.createSchedule(timed, in: f.scope, audit: .none) == timed)
            #expect(try await f.irrigation.createSchedule(phased, in: f.scope, audit: .none) == phased)
            let schedules = try await f.irrigation.listSchedules(programID: f.program.id, in: f.scope, page: .first)
            #expect(Set(schedules.items) == [timed, phased])

            // The domain's validation runs before the store: errors name the field.
            let outside = IrrigationProgram(
                groupID: f.group.id,
                name: "Stray",
                steps: [ProgramStep(zoneID: UUID(), amount: .duration(10))],
                maxRuntime: 60
            )
            let stray = await #expect(throws: DomainError.self) {
                try await f.irrigation.createProgram(outside, in: f.scope, audit: .none)
            }
            #expect(stray?.violations.first?.field == "steps[0].zone_id")
            let badKey = await #expect(throws: DomainError.self) {
                try await f.irrigation.createRun(f.newRun(), commands: [f.command(key: "")], in: f.scope, audit: .none)
            }
            #expect(badKey?.violations.first?.field == "command.idempotency_key")
            let badLimit = await #expect(throws: DomainError.self) {
                try await f.irrigation.claimDueCommands(limit: 0, now: IrrigationFixture.t0)
            }
            #expect(badLimit?.violations.first?.field == "limit")
            // A device that is not a valve is refused by the foreign key on (device, site, kind).
            let sensor = try await db.spatial.createEquipment(
                NewEquipment(siteID: f.site, code: "SNS-9", name: "Sensor", kind: .sensor),
                in: f.scope,
                audit: .none
            )
            let notValve = await #expect(throws: DomainError.self) {
                try await f.irrigation.createGroup(
                    IrrigationGroup(
                        siteID: f.site,
                        name: "Bad",
                        valves: [ZoneValve(zoneID: f.zones[0], deviceID: sensor.id, loadClass: .standard)]
                    ),
                    in: f.scope,
                    audit: .none
                )
            }
            #expect(notValve?.reason == "REFERENCE_VIOLATION")
        }
    }

    /// Rows written as the owner (no application checks): the CHECKs refuse what the domain refuses, and the
    /// mapped error names the field.
    @Test func irrigationConstraintsRefuseBadRowsNamingTheField() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let run = try await f.irrigation.createRun(f.newRun(), commands: [], in: f.scope, audit: .none)
            let site = "'\(f.site.uuidString.lowercased())'::uuid"
            let program = "'\(f.program.id.uuidString.lowercased())'::uuid"
            let group = "'\(f.group.id.uuidString.lowercased())'::uuid"
            let zone = "'\(f.zones[0].uuidString.lowercased())'::uuid"
            let valve = "'\(f.valves[0].uuidString.lowercased())'::uuid"
            let runID = "'\(run.id.uuidString.lowercased())'::uuid"
            let cases: [(sql: String, table: String, resource: String, field: String)] = [
                (
                    "INSERT INTO irrigation_program_steps VALUES (\(program), \(group), \(site), 5, \(zone), 10, 5)",
                    "irrigation_program_steps", "step", "step.amount"
                ),
                (
                    "INSERT INTO irrigation_program_steps VALUES (\(program), \(group), \(site), 5, \(zone), NULL, NULL)",
                    "irrigation_program_steps", "step", "step.amount"
                ),
                (
                    "INSERT INTO irrigation_program_steps VALUES (\(program), \(group), \(site), 5, \(zone), 0, NULL)",
                    "irrigation_program_steps", "step", "step.duration"
                ),
                (
                    "UPDATE irrigation_runs SET status = 'Paused' WHERE id = \(runID)",
                    "irrigation_runs", "run", "run.status"
                ),
                (
                    "UPDATE irrigation_runs SET abort_cause = 'interlock' WHERE id = \(runID)",
                    "irrigation_runs", "run", "run.abort_cause"
                ),
                (
                    "UPDATE irrigation_runs SET status = 'Completed' WHERE id = \(runID)",
                    "irrigation_runs", "run", "run.stopped_at"
                ),
                (
                    """
                    INSERT INTO interlock_events (site_id, group_id, kind, reason, occurred_at, detail)
                    VALUES (\(site), \(group), 'BLOCKED', 'LOW_BATTERY', now(), 'x')
                    """,
                    "interlock_events", "interlock event", "interlock event.reason"
                ),
                (
                    """
                    INSERT INTO interlock_events (site_id, group_id, kind, reason, occurred_at, detail)
                    VALUES (\(site), \(group), 'CLEARED', 'ESTOP_OPEN', now(), 'x')
                    """,
                    "interlock_events", "interlock event", "interlock event.actor"
                ),
                (
                    """
                    INSERT INTO device_commands (id, site_id, device_id, zone_id, action, idempotency_key, created_at,
                        expires_at, ack_timeout_seconds, max_attempts, status, next_attempt_at)
                    VALUES (gen_random_uuid(), \(site), \(valve), \(zone), 'open', 'k', now(), now() - interval '1 s',
                        5, 3, 'QUEUED', now())
                    """,
                    "device_commands", "command", "command.expires_at"
                ),
                (
                    """
                    INSERT INTO device_commands (id, site_id, device_id, zone_id, action, idempotency_key, created_at,
                        expires_at, ack_timeout_seconds, max_attempts, status, next_attempt_at)
                    VALUES (gen_random_uuid(), \(site), \(valve), \(zone), 'open', 'k', now(), now() + interval '1 s',
                        5, 3, 'DELIVERED', NULL)
                    """,
                    "device_commands", "command", "command.status"
                ),
                (
                    """
                    INSERT INTO device_commands (id, site_id, device_id, zone_id, action, idempotency_key, created_at,
                        expires_at, ack_timeout_seconds, max_attempts, status, next_attempt_at)
                    VALUES (gen_random_uuid(), \(site), \(valve), \(zone), 'open', 'k', now(), now() + interval '1 s',
                        5, 3, 'QUEUED', NULL)
                    """,
                    "device_commands", "command", "command.next_attempt_at"
                ),
                (
                    """
                    INSERT INTO irrigation_schedules (id, site_id, program_id, trigger_kind, minute_of_day, time_zone)
                    VALUES (gen_random_uuid(), \(site), \(program), 'time_of_day', 60, 'UTC')
                    """,
                    "irrigation_schedules", "schedule", "schedule.trigger"
                ),
            ]
            for bad in cases {
                let error = await #expect(throws: PostgresError.self, "\(bad.sql)") {
                    try await db.owner.query(bad.sql)
                }
                let mapped = error?.domainError(resource: bad.resource, table: bad.table)
                #expect(mapped?.code == .invalidArgument, "\(bad.sql)")
                #expect(mapped?.violations.first?.field == bad.field, "\(bad.sql): \(error?.message ?? "")")
            }
            // The idempotency key is unique per device.
            let first = f.command(key: "same")
            _ = try await f.irrigation.createRun(f.newRun(), commands: [first], in: f.scope, audit: .none)
            let again = await #expect(throws: DomainError.self) {
                try await f.irrigation.createRun(
                    f.newRun(),
                    commands: [f.command(key: "same")],
                    in: f.scope,
                    audit: .none
                )
            }
            #expect(again?.code == .alreadyExists)
            #expect(again?.metadata["constraint"] == "device_commands_idempotency_key_unique")
        }
    }
}
