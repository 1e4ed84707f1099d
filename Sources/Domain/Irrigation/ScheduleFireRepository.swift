import Foundation

/// What the irrigation scheduler reads and writes. It acts for the system across sites: it asks which sites have
/// enabled time-of-day schedules, then reads and writes each site's rows under that site's scope only.
public protocol ScheduleFireRepository: Sendable {
    /// The sites with at least one enabled time-of-day schedule, with their organization.
    func scheduledSites() async throws -> [SiteReference]
    /// The site's enabled time-of-day schedules, each with its last decided fire and owner.
    func dueSchedules(at site: SiteReference) async throws -> [ScheduledProgram]
    /// Records missed fires as skipped (a fire already decided is left as it is); returns those recorded now.
    func recordSkipped(
        _ fires: [Date],
        of schedule: ScheduledProgram,
        instance: String,
        now: Date
    ) async throws
        -> [Date]
    /// Claims a fire: true when this call decided it, false when any instance had already.
    func claim(_ fire: Date, of schedule: ScheduledProgram, instance: String, now: Date) async throws -> Bool
    /// Finishes a claimed fire as `started` or `failed`, with the scheduler's audit row.
    func finish(_ fire: Date, of schedule: ScheduledProgram, outcome: ScheduleFire.Outcome, now: Date) async throws
    /// A schedule's decided fires, newest first (at most `limit`).
    func fires(scheduleID: UUID, in scope: AccessScope, limit: Int) async throws -> [ScheduleFire]
}

/// A site and its organization (what a system scope for the site needs).
public struct SiteReference: Sendable, Hashable {
    public var siteID: UUID
    public var organizationID: UUID

    public init(siteID: UUID, organizationID: UUID) {
        self.siteID = siteID
        self.organizationID = organizationID
    }
}

/// A schedule as the scheduler sees it: the schedule, its site, from when its fires count, and on whose behalf it
/// starts the program.
public struct ScheduledProgram: Sendable, Hashable {
    public var schedule: IrrigationSchedule
    public var site: SiteReference
    /// Fires at or before this are not considered: the later of the last decided fire and the instant the schedule
    /// was created, enabled again or changed.
    public var since: Date
    /// The person who set the schedule (nil for one whose creator is unknown), whether they are still active and
    /// belong to the site, and their roles.
    public var owner: UUID?
    public var ownerActive: Bool
    public var ownerRoles: Set<String>

    public init(
        schedule: IrrigationSchedule,
        site: SiteReference,
        since: Date,
        owner: UUID?,
        ownerActive: Bool,
        ownerRoles: Set<String>
    ) {
        self.schedule = schedule
        self.site = site
        self.since = since
        self.owner = owner
        self.ownerActive = ownerActive
        self.ownerRoles = ownerRoles
    }

    /// The scope the scheduler starts the program under: the owner, for this site only.
    public var ownerScope: AccessScope? {
        guard let owner, self.ownerActive else { return nil }
        return AccessScope(
            organizationID: self.site.organizationID,
            userID: owner,
            siteIDs: [self.site.siteID],
            roles: self.ownerRoles
        )
    }
}
