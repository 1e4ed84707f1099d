import Foundation

/// What the run engine needs stored beyond `IrrigationRepository`: the site's irrigation settings, each group's
/// interlock sources, what those sources read now, and a run changed under its row lock.
///
/// Everything runs under the caller's `AccessScope` except `engineSites`, which only says which sites have runs to
/// advance (the engine then acts under that site's scope).
public protocol IrrigationEngineStore: Sendable {
    /// The site's settings; the defaults when none are stored.
    func settings(siteID: UUID, in scope: AccessScope) async throws -> IrrigationSiteSettings
    /// Validates (`IrrigationSiteSettings.validate`) and stores the site's settings, with an audit row.
    func saveSettings(_ settings: IrrigationSiteSettings, in scope: AccessScope, audit: AuditContext) async throws

    /// The group's configured sources; an input without one has no reading.
    func interlockSources(groupID: UUID, in scope: AccessScope) async throws -> [InterlockInput: InterlockSource]
    /// Sets (or with nil removes) the source of `input` for the group, with an audit row. The device or stream must
    /// belong to the group's site.
    func setInterlockSource(
        _ source: InterlockSource?,
        for input: InterlockInput,
        groupID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
    /// The group's interlock inputs as stored now: each sourced input's latest value (a device state property with
    /// the state's reported time, or a stream's latest reading), the lockouts (LATCHED and not CLEARED since, per
    /// reason), and its open valves (each zone whose latest live or executed command is an open).
    func interlockObservations(group: IrrigationGroup, in scope: AccessScope) async throws -> InterlockObservations

    /// Sites with runs Queued, Running or Aborting (or, given `sites`, those sites), with their organization.
    func engineSites(among sites: Set<UUID>?) async throws -> [EngineSite]
    /// The site's runs that are Running or Aborting (all of them), then Queued (oldest first, at most 1000).
    func liveRuns(siteID: UUID, in scope: AccessScope) async throws -> [IrrigationRun]
    /// Finished commands of the site's live runs that have not been applied to their run yet (at most 1000).
    func unappliedSettlements(siteID: UUID, in scope: AccessScope) async throws -> [StoredCommand]
    /// Locks the run's row (`FOR UPDATE`) and its group (a transaction advisory lock), hands the run and the group's
    /// open valves read under those locks to `transform`, and stores what it returns (the run's
    /// progress, its commands, interlock events, alerts, each with audit rows) in the same transaction. With
    /// `settling`, the command is marked applied in that transaction, and a command already applied skips the
    /// transform. Returns the stored run, or nil when nothing changed (transform returned nil, or already applied).
    func updateRun(
        _ runID: UUID,
        settling commandID: UUID?,
        in scope: AccessScope,
        audit: AuditContext,
        _ transform: @Sendable (IrrigationRun, [OpenValve]) throws -> RunChange?
    ) async throws -> IrrigationRun?
}

/// A site the engine has work in.
public struct EngineSite: Sendable, Hashable {
    public var siteID: UUID
    public var organizationID: UUID

    public init(siteID: UUID, organizationID: UUID) {
        self.siteID = siteID
        self.organizationID = organizationID
    }
}

/// A run alert: an UPPER_SNAKE_CASE code, the zone if one is concerned, and the words for the log.
public struct RunAlert: Sendable, Hashable {
    public var code: String
    public var zoneID: UUID?
    public var detail: String

    public init(code: String, zoneID: UUID?, detail: String) {
        self.code = code
        self.zoneID = zoneID
        self.detail = detail
    }
}

/// One change of a run, stored in one transaction.
public struct RunChange: Sendable, Hashable {
    public var run: IrrigationRun
    public var commands: [DeviceCommand]
    public var events: [InterlockEvent]
    public var alerts: [RunAlert]
    /// Extra details for the run's audit row (e.g. a denial's reason).
    public var auditDetails: [String: String]

    public init(
        run: IrrigationRun,
        commands: [DeviceCommand] = [],
        events: [InterlockEvent] = [],
        alerts: [RunAlert] = [],
        auditDetails: [String: String] = [:]
    ) {
        self.run = run
        self.commands = commands
        self.events = events
        self.alerts = alerts
        self.auditDetails = auditDetails
    }
}
