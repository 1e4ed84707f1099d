import Domain
import Foundation
import Testing

@Suite struct PhaseFirePlanTests {
    static let site = SiteReference(siteID: UUID(), organizationID: UUID())
    static let roomA = UUID()
    static let roomB = UUID()
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func schedule(
        phase: String = "flower",
        rooms: Set<UUID> = [roomA],
        enabled: Bool = true,
        since: Date = t0.addingTimeInterval(-3_600)
    ) -> PhaseSchedule {
        PhaseSchedule(
            program: ScheduledProgram(
                schedule: IrrigationSchedule(
                    programID: UUID(),
                    trigger: .batchPhaseChange(toPhase: phase),
                    timeZoneIdentifier: "UTC",
                    enabled: enabled
                ),
                site: site,
                since: since,
                owner: UUID(),
                ownerActive: true,
                ownerRoles: ["manager"]
            ),
            groupRoomIDs: rooms
        )
    }

    static func change(
        to: BatchPhase = .flower,
        room: UUID? = roomA,
        at: Date = t0,
        superseded: Bool = false
    ) -> PendingPhaseChange {
        PendingPhaseChange(
            change: BatchPhaseChange(
                id: UUID(),
                siteID: site.siteID,
                batchID: UUID(),
                roomID: room,
                from: .veg,
                to: to,
                changedBy: UUID(),
                changedAt: at,
                note: nil
            ),
            batchCode: "BD-V-001",
            superseded: superseded
        )
    }

    @Test func aChangeFiresTheSchedulesOfItsPhaseInItsRoom() {
        let matching = Self.schedule()
        let upperCase = Self.schedule(phase: "FLOWER")
        let otherPhase = Self.schedule(phase: "veg")
        let otherRoom = Self.schedule(rooms: [Self.roomB])
        let spanning = Self.schedule(rooms: [Self.roomA, Self.roomB])
        let emptyGroup = Self.schedule(rooms: [])
        let disabled = Self.schedule(enabled: false)
        let newer = Self.schedule(since: Self.t0)
        let change = Self.change()
        let work = PhaseWork(
            changes: [change],
            schedules: [matching, upperCase, otherPhase, otherRoom, spanning, emptyGroup, disabled, newer],
            decided: []
        )
        let plan = PhaseFirePlan.make(work, now: Self.t0.addingTimeInterval(5), grace: 600)
        #expect(Set(plan.map(\.schedule)) == [matching, upperCase])
        #expect(plan.allSatisfy { $0.decision == .fire })
    }

    @Test func aBatchWithoutARoomFiresNothing() {
        let work = PhaseWork(changes: [Self.change(room: nil)], schedules: [Self.schedule()], decided: [])
        #expect(PhaseFirePlan.make(work, now: Self.t0, grace: 600).isEmpty)
    }

    @Test func decidedPairsAreLeftAlone() {
        let schedule = Self.schedule()
        let change = Self.change()
        let key = PhaseFireKey(phaseChangeID: change.change.id, scheduleID: schedule.program.schedule.id)
        let work = PhaseWork(changes: [change], schedules: [schedule], decided: [key])
        #expect(PhaseFirePlan.make(work, now: Self.t0, grace: 600).isEmpty)
    }

    /// Late: more than the grace after the change (e.g. seen after a restart) is skipped; at the grace it fires.
    @Test(arguments: [(0.0, true), (600.0, true), (600.5, false), (86_400.0, false), (-30.0, true)])
    func lateChangesAreSkipped(seenAfter: TimeInterval, fires: Bool) {
        let decision = PhaseFirePlan.decide(Self.change(), now: Self.t0.addingTimeInterval(seenAfter), grace: 600)
        #expect(decision == (fires ? .fire : .skip(.late)))
    }

    @Test func aSupersededChangeIsSkippedEvenWhenFresh() {
        let decision = PhaseFirePlan.decide(Self.change(superseded: true), now: Self.t0, grace: 600)
        #expect(decision == .skip(.superseded))
    }

    @Test func oldestChangeFirst() {
        let first = Self.change(at: Self.t0)
        let second = Self.change(at: Self.t0.addingTimeInterval(10))
        let schedule = Self.schedule()
        let plan = PhaseFirePlan.make(
            PhaseWork(changes: [first, second], schedules: [schedule], decided: []),
            now: Self.t0.addingTimeInterval(20),
            grace: 600
        )
        #expect(plan.map(\.change) == [first, second])
    }
}
