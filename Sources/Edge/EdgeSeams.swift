import Foundation

// The seams between the edge agent's parts (issue 8): the poller appends normalized readings to a spool; the
// uploader takes the oldest batch from the spool, sends it, and acknowledges it only after the platform accepted it.

/// One normalized measurement, ready for the platform's ingest (`harvestry.telemetry.v1.Reading` in a
/// `TelemetryBatch` of its device).
public struct EdgeReading: Sendable, Hashable {
    /// The platform's device (equipment) id: a UUID string, as `TelemetryBatch.device_id`.
    public var deviceId: String
    /// The stream's key on the device, e.g. `pv_power`.
    public var stream: String
    /// Scaled value in `unit`.
    public var value: Double
    /// The value's unit as the register map gives it; empty means the stream's canonical unit.
    public var unit: String
    /// When the value was read; the platform's idempotency key is (stream, timestamp).
    public var timestamp: Date

    public init(deviceId: String, stream: String, value: Double, unit: String, timestamp: Date) {
        self.deviceId = deviceId
        self.stream = stream
        self.value = value
        self.unit = unit
        self.timestamp = timestamp
    }
}

/// A run of consecutive spooled readings, oldest first. Sequences are the spool's own (per spool, from 1, never
/// reused), so an acknowledgement names exactly what it removes.
public struct SpoolBatch: Sendable, Hashable {
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    public var readings: [EdgeReading]

    public init(firstSequence: UInt64, lastSequence: UInt64, readings: [EdgeReading]) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.readings = readings
    }
}

/// What the health endpoint and metrics show about the spool.
public struct SpoolStatus: Sendable, Hashable {
    /// Readings appended and not yet acknowledged.
    public var depth: Int
    /// Timestamp of the oldest unsent reading; nil when the spool is empty.
    public var oldestUnsent: Date?
    /// Bytes on disk.
    public var bytes: Int64
    /// Readings dropped by the full-spool policy since start.
    public var dropped: UInt64

    public init(depth: Int, oldestUnsent: Date?, bytes: Int64, dropped: UInt64) {
        self.depth = depth
        self.oldestUnsent = oldestUnsent
        self.bytes = bytes
        self.dropped = dropped
    }
}

/// The durable buffer between the poll loop and the uplink.
public protocol ReadingSpool: Sendable {
    /// Returns only once the readings are durable (they survive kill -9 and power loss). When the spool is full it
    /// applies its documented, logged policy.
    func append(_ readings: [EdgeReading]) async throws
    /// The oldest unacknowledged readings (at most `limit`), oldest first, without removing them; nil when empty.
    func oldestBatch(limit: Int) async throws -> SpoolBatch?
    /// Removes every reading up to and including `batch.lastSequence`.
    func acknowledge(_ batch: SpoolBatch) async throws
    func status() async -> SpoolStatus
}
