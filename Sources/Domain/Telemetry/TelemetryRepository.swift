import Foundation

/// Streams, readings, rollups, dead letters and alerts, stored.
///
/// Reads take the caller's scope. Ingest takes the one site the batch belongs to: the service has checked the
/// caller's scope (or the device link has taken the site from the device's topic) before it calls, and the store
/// runs the write with exactly that site in scope, so row-level security confines it there.
public protocol TelemetryRepository: Sendable {
    func createStream(
        _ stream: NewSensorStream,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws
        -> SensorStream
    func stream(_ id: UUID, in scope: AccessScope) async throws -> SensorStream
    func listStreams(
        siteID: UUID,
        deviceID: UUID?,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<SensorStream>

    /// The streams of a device of `siteID`; NOT_FOUND (`DEVICE_NOT_FOUND`) when the site has no such equipment.
    func deviceStreams(deviceID: UUID, siteID: UUID) async throws -> [SensorStream]
    /// The site of a device the caller may see; NOT_FOUND otherwise.
    func deviceSite(deviceID: UUID, in scope: AccessScope) async throws -> UUID

    /// Stores `readings` (all of `siteID`) unless already stored, and folds the ones stored now into the rollups,
    /// in one transaction. Returns the readings stored now; the rest were duplicates.
    func ingest(_ readings: [Reading], siteID: UUID) async throws -> [Reading]

    /// Raw readings or rollup buckets of a stream in `[start, end)`, oldest first.
    func series(_ query: SeriesQuery, in scope: AccessScope, page: PageRequest) async throws -> Page<SeriesPoint>

    /// Records a payload the ingest path could not use; never throws for a bad payload (only for a broken store).
    func deadLetter(_ letter: DeadLetter) async throws

    func createAlertRule(_ rule: AlertRule, in scope: AccessScope, audit: AuditContext) async throws -> AlertRule
    /// A site's alerts, newest first.
    func listAlerts(
        siteID: UUID,
        includeCleared: Bool,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<AlertInstance>
    /// Runs the alert rules of the readings' streams over readings just stored (all of `siteID`), firing and
    /// clearing alert instances; returns how many alerts fired or cleared.
    func evaluateAlerts(_ readings: [Reading], siteID: UUID) async throws -> Int

    /// Marks offline every device whose latest heartbeat is older than `heartbeatBefore` (audited as a status
    /// change); returns the devices marked.
    func markSilentDevicesOffline(heartbeatBefore: Date) async throws -> [UUID]
    /// A device link's connectivity report (MQTT status message or last will): ONLINE records a heartbeat at `at`,
    /// OFFLINE marks the device offline. Audited when the status changes.
    func recordConnectivity(deviceID: UUID, siteID: UUID, online: Bool, at: Date) async throws

    /// Stores a validated device event unless one with its (device, event id) is stored; returns whether it was
    /// stored now. NOT_FOUND when the site has no such device.
    func recordEvent(_ event: DeviceEvent) async throws -> Bool
    /// Keeps a validated state as the device's latest unless the stored one is as new or newer; returns whether it
    /// was kept. NOT_FOUND when the site has no such device.
    func recordState(_ state: DeviceState) async throws -> Bool
    /// A device's events the caller may see, newest first (by the device's timestamp, then event id).
    func listDeviceEvents(
        deviceID: UUID,
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws
        -> Page<DeviceEvent>
    /// A device's latest state, nil before the first; the caller's scope applies.
    func deviceState(deviceID: UUID, siteID: UUID, in scope: AccessScope) async throws -> DeviceState?
}

/// A payload the ingest path could not use, and why.
public struct DeadLetter: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable, CaseIterable { case mqtt, grpc, http }

    /// Nil when the payload named no usable site.
    public var siteID: UUID?
    public var device: String
    public var source: Source
    /// UPPER_SNAKE_CASE, e.g. `MALFORMED_PAYLOAD`, `UNKNOWN_STREAM`.
    public var reason: String
    public var detail: String
    public var payload: [UInt8]

    public init(siteID: UUID?, device: String, source: Source, reason: String, detail: String, payload: [UInt8]) {
        self.siteID = siteID
        self.device = String(device.prefix(200))
        self.source = source
        self.reason = reason
        self.detail = String(detail.prefix(4000))
        self.payload = Array(payload.prefix(1 << 20))
    }
}
