import Domain
import Foundation
import Store
import Testing

/// A batch in the irrigation fixture's room (inserted as the owner: batches have no create API yet).
struct BatchFixture: Sendable {
    let irrigation: IrrigationFixture
    let room: UUID
    let batch: UUID
    let batches: PostgresBatchRepository

    static func make(in db: MigratedDatabase, phase: String = "veg") async throws -> BatchFixture {
        let f = try await IrrigationFixture.make(in: db)
        let room = try await db.spatial.zone(f.zones[0], in: f.scope).roomID
        let batch = try await Self.insertBatch(db, site: f.site, room: room, phase: phase)
        return BatchFixture(
            irrigation: f,
            room: room,
            batch: batch,
            batches: PostgresBatchRepository(client: db.service)
        )
    }

    static func insertBatch(_ db: MigratedDatabase, site: UUID, room: UUID?, phase: String) async throws -> UUID {
        let tag = UInt32.random(in: 0...999_999)
        let strain = try await db.owner.query(
            "INSERT INTO strains (site_id, name, strain_type) VALUES ($1::uuid, $2, 'hybrid') RETURNING id",
            [SQLValue(site), SQLValue("Strain \(tag)")]
        )[0].decode("id", as: UUID.self)
        return try await db.owner.query(
            """
            INSERT INTO batches (site_id, strain_id, room_id, code, phase, plant_count, started_at)
            VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, 48, now()) RETURNING id
            """,
            [SQLValue(site), SQLValue(strain), SQLValue(room), SQLValue("B-\(tag)"), SQLValue(phase)]
        )[0].decode("id", as: UUID.self)
    }

    func changeCount(_ db: MigratedDatabase) async throws -> Int {
        try await db.owner.query(
            "SELECT count(*)::int AS n FROM batch_phase_changes WHERE batch_id = $1::uuid",
            [SQLValue(self.batch)]
        )[0].decode("n")
    }
}

extension PostgresIntegrationTests {
    /// A phase change updates the batch and records who, when, from, to and the room, with an audit row, in one
    /// transaction; a refused transition, a stale expected phase or another tenant change and record nothing.
    @Test func batchPhaseChangeIsRecordedWithTheUpdate() async throws {
        try await withMigratedDatabase { db in
            let b = try await BatchFixture.make(in: db)
            let scope = b.irrigation.scope
            let (batch, change) = try await b.batches.changePhase(
                b.batch,
                to: .flower,
                expected: .veg,
                in: scope,
                audit: AuditContext(requestID: "r-1", note: "flip to 12/12")
            )
            #expect(batch.phase == .flower)
            #expect(try await b.batches.batch(b.batch, in: scope).phase == .flower)
            #expect(change.from == .veg && change.to == .flower && change.roomID == b.room)
            #expect(change.changedBy == b.irrigation.tenant.adminID && change.note == "flip to 12/12")
            #expect(abs(change.changedAt.timeIntervalSinceNow) < 600)
            let audit = try await db.owner.query(
                "SELECT actor_user_id, details FROM audit_logs WHERE action = 'batch.phase_change' AND resource_id = $1",
                [SQLValue(b.batch.uuidString.lowercased())]
            )
            #expect(audit.count == 1)
            #expect(try audit[0].decode("actor_user_id", as: UUID?.self) == b.irrigation.tenant.adminID)
            #expect(try audit[0].decode("details", as: String.self).contains(change.id.uuidString.lowercased()))

            await #expect(throws: DomainError.self) {
                try await b.batches.changePhase(b.batch, to: .veg, expected: nil, in: scope, audit: .none)
            }
            do {
                _ = try await b.batches.changePhase(b.batch, to: .propagation, expected: nil, in: scope, audit: .none)
                Issue.record("a step back was accepted")
            } catch let error as DomainError {
                #expect(error.reason == "PHASE_TRANSITION_NOT_ALLOWED")
                #expect(error.code == .failedPrecondition)
            }
            do {
                _ = try await b.batches.changePhase(b.batch, to: .harvest, expected: .veg, in: scope, audit: .none)
                Issue.record("a stale expected phase was accepted")
            } catch let error as DomainError {
                #expect(error.reason == "PHASE_CHANGED_CONCURRENTLY")
            }
            let stranger = try await TestTenant.make(in: db)
            await #expect(throws: DomainError.self) {
                try await b.batches.changePhase(b.batch, to: .harvest, expected: nil, in: stranger.scope, audit: .none)
            }
            #expect(try await b.changeCount(db) == 1)
            #expect(try await b.batches.batch(b.batch, in: scope).phase == .flower)

            let history = try await b.batches.phaseChanges(batchID: b.batch, in: scope, page: .first)
            #expect(history.items == [change])
            let listed = try await b.batches.listBatches(
                siteID: b.irrigation.site,
                phase: .flower,
                roomID: b.room,
                in: scope,
                page: .first
            )
            #expect(listed.items.map(\.id) == [b.batch])
            let none = try await b.batches.listBatches(
                siteID: b.irrigation.site,
                phase: .veg,
                roomID: nil,
                in: scope,
                page: .first
            )
            #expect(none.items.isEmpty)
        }
    }

    /// Twelve concurrent changes of one batch from veg to flower: the row lock serializes them, one lands, the
    /// others are refused (PHASE_UNCHANGED), and one change is recorded.
    @Test func concurrentPhaseChangesRecordOne() async throws {
        try await withMigratedDatabase { db in
            let b = try await BatchFixture.make(in: db)
            let scope = b.irrigation.scope
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await b.batches.changePhase(
                                b.batch,
                                to: .flower,
                                expected: nil,
                                in: scope,
                                audit: .none
                            )
                            return "changed"
                        } catch let error as DomainError {
                            return error.reason
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "changed" }.count == 1)
            #expect(outcomes.filter { $0 == "PHASE_UNCHANGED" }.count == 11)
            #expect(try await b.changeCount(db) == 1)
        }
    }

    /// The scheduler's phase view: the site is listed, the change and the schedule (with its group's room) are
    /// read, one of many concurrent claims wins, the finished fire is audited without an actor, and a decided pair
    /// is not read again.
    @Test func phaseFireIsClaimedOnce() async throws {
        try await withMigratedDatabase { db in
            let b = try await BatchFixture.make(in: db)
            let f = b.irrigation
            let schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: f.program.id,
                    trigger: .batchPhaseChange(toPhase: "flower"),
                    timeZoneIdentifier: "UTC"
                ),
                in: f.scope,
                audit: .none
            )
            let fires = PostgresPhaseFireRepository(client: db.service)
            #expect(try await fires.phaseChangeSites(lookBack: 86_400).isEmpty)
            let (_, change) = try await b.batches.changePhase(
                b.batch,
                to: .flower,
                expected: nil,
                in: f.scope,
                audit: .none
            )
            let sites = try await fires.phaseChangeSites(lookBack: 86_400)
            #expect(sites == [SiteReference(siteID: f.site, organizationID: f.tenant.organizationID)])
            let work = try await fires.phaseWork(at: sites[0], lookBack: 86_400, limit: 100)
            #expect(work.changes.map(\.change) == [change])
            #expect(work.changes.first?.superseded == false)
            #expect(work.schedules.map(\.program.schedule) == [schedule])
            #expect(work.schedules.first?.groupRoomIDs == [b.room])
            #expect(work.schedules.first?.program.owner == f.tenant.adminID)
            let plan = PhaseFirePlan.make(work, now: Date(), grace: 600)
            #expect(plan.map(\.decision) == [.fire])
            let item = try #require(plan.first)

            let claims = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<12 {
                    group.addTask { try await fires.claim(item, instance: "instance-\(n)", now: Date()) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(claims == 1)
            #expect(try await fires.recordSkipped(item, reason: .late, instance: "late", now: Date()) == false)
            let run = UUID()
            try await fires.finish(item, outcome: .started(runID: run), now: Date())
            await #expect(throws: DomainError.self) {
                try await fires.finish(item, outcome: .failed(error: "again"), now: Date())
            }
            let stored = try await fires.phaseFires(phaseChangeID: change.id, in: f.scope)
            #expect(stored.map(\.outcome) == [.started(runID: run)])
            let again = try await fires.phaseWork(at: sites[0], lookBack: 86_400, limit: 100)
            #expect(again.changes.isEmpty)
            let audit = try await db.owner.query(
                """
                SELECT actor_user_id, details FROM audit_logs
                WHERE action = 'irrigation_schedule.fire' AND resource_id = $1
                """,
                [SQLValue(schedule.id.uuidString.lowercased())]
            )
            #expect(audit.count == 1)
            #expect(try audit[0].decode("actor_user_id", as: UUID?.self) == nil)
            #expect(try audit[0].decode("details", as: String.self).contains("batch_phase_change"))
        }
    }

    /// A schedule created (or re-armed by a phase edit) after a change does not see it; a superseded change is
    /// flagged; another tenant's scope reads no fires.
    @Test func phaseWorkOnlySeesChangesAfterTheScheduleAndFlagsSuperseded() async throws {
        try await withMigratedDatabase { db in
            let b = try await BatchFixture.make(in: db, phase: "propagation")
            let f = b.irrigation
            _ = try await b.batches.changePhase(b.batch, to: .veg, expected: nil, in: f.scope, audit: .none)
            var schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: f.program.id,
                    trigger: .batchPhaseChange(toPhase: "veg"),
                    timeZoneIdentifier: "UTC"
                ),
                in: f.scope,
                audit: .none
            )
            let fires = PostgresPhaseFireRepository(client: db.service)
            let site = SiteReference(siteID: f.site, organizationID: f.tenant.organizationID)
            #expect(try await fires.phaseWork(at: site, lookBack: 86_400, limit: 100).changes.isEmpty)
            schedule.trigger = .batchPhaseChange(toPhase: "flower")
            _ = try await f.irrigation.updateSchedule(schedule, in: f.scope, audit: .none)
            let (_, flower) = try await b.batches.changePhase(
                b.batch,
                to: .flower,
                expected: nil,
                in: f.scope,
                audit: .none
            )
            _ = try await b.batches.changePhase(b.batch, to: .harvest, expected: nil, in: f.scope, audit: .none)
            // A batch in a room the group does not lie in: matches by phase only, never pending.
            let elsewhere = try await db.spatial.createRoom(
                NewRoom(siteID: f.site, code: "FLW-X", name: "Elsewhere", roomType: .flower),
                in: f.scope,
                audit: .none
            )
            let stray = try await BatchFixture.insertBatch(db, site: f.site, room: elsewhere.id, phase: "veg")
            _ = try await b.batches.changePhase(stray, to: .flower, expected: nil, in: f.scope, audit: .none)
            let work = try await fires.phaseWork(at: site, lookBack: 86_400, limit: 100)
            #expect(work.changes.map(\.change.id) == [flower.id])
            #expect(work.changes.first?.superseded == true)
            #expect(PhaseFirePlan.make(work, now: Date(), grace: 600).map(\.decision) == [.skip(.superseded)])
        }
    }
}
