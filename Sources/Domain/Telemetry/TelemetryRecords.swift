import Foundation

/// One measured quantity of one device (equipment) of a site.
public struct SensorStream: Sendable, Hashable {
    public var id: UUID
    public var siteID: UUID
    public var deviceID: UUID
    /// The key the device uses in its readings, unique per device.
    public var key: String
    public var type: StreamType
    public var displayName: String?
    /// The device's zone, if it has one.
    public var zoneID: UUID?
    public var createdAt: Date

    public init(
        id: UUID,
        siteID: UUID,
        deviceID: UUID,
        key: String,
        type: StreamType,
        displayName: String? = nil,
        zoneID: UUID? = nil,
        createdAt: Date = Date(timeIntervalSince1970: 0)
    ) {
        self.id = id
        self.siteID = siteID
        self.deviceID = deviceID
        self.key = key
        self.type = type
        self.displayName = displayName
        self.zoneID = zoneID
        self.createdAt = createdAt
    }

    public var unit: MeasurementUnit { self.type.canonicalUnit }
}

/// A stream to register.
public struct NewSensorStream: Sendable, Hashable {
    public var siteID: UUID
    public var deviceID: UUID
    public var key: String
    public var type: StreamType
    public var displayName: String?

    public init(siteID: UUID, deviceID: UUID, key: String, type: StreamType, displayName: String? = nil) {
        self.siteID = siteID
        self.deviceID = deviceID
        self.key = key
        self.type = type
        self.displayName = displayName
    }

    public func validate() throws {
        try Validate.code(self.key, field: "stream.key")
        try Validate.text(self.displayName, field: "stream.display_name")
    }
}

/// A reading as it arrived, before validation: the stream by key or id, the value in any accepted unit.
public struct RawReading: Sendable, Hashable {
    public var streamKey: String
    public var streamID: String
    public var value: Double
    public var unit: String
    /// Nil when the payload had no timestamp.
    public var time: Date?

    public init(streamKey: String = "", streamID: String = "", value: Double, unit: String = "", time: Date?) {
        self.streamKey = streamKey
        self.streamID = streamID
        self.value = value
        self.unit = unit
        self.time = time
    }
}

/// A validated reading in its stream's canonical unit, its time at whole microseconds (what Postgres stores).
public struct Reading: Sendable, Hashable {
    public var streamID: UUID
    public var siteID: UUID
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var micros: Int64
    public var value: Double

    public init(streamID: UUID, siteID: UUID, micros: Int64, value: Double) {
        self.streamID = streamID
        self.siteID = siteID
        self.micros = micros
        self.value = value
    }

    public init(streamID: UUID, siteID: UUID, time: Date, value: Double) {
        self.init(streamID: streamID, siteID: siteID, micros: Self.micros(time), value: value)
    }

    public var time: Date { Date(timeIntervalSince1970: Double(self.micros) / 1_000_000) }

    public static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}

/// What an ingest did: readings stored now, and readings that were already stored (or repeated in the batch).
public struct IngestResult: Sendable, Hashable {
    public var accepted: Int
    public var duplicates: Int

    public init(accepted: Int, duplicates: Int) {
        self.accepted = accepted
        self.duplicates = duplicates
    }
}

/// The resolution of a series query.
public enum SeriesResolution: String, Sendable, Hashable, CaseIterable {
    case raw, oneMinute = "1m", fiveMinutes = "5m", oneHour = "1h"

    /// The bucket width in microseconds; nil for raw.
    public var bucketMicros: Int64? {
        switch self {
        case .raw: nil
        case .oneMinute: 60_000_000
        case .fiveMinutes: 300_000_000
        case .oneHour: 3_600_000_000
        }
    }

    /// The rollup resolutions, finest first.
    public static let rollups: [SeriesResolution] = [.oneMinute, .fiveMinutes, .oneHour]
}

/// A raw reading (count 1) or a rollup bucket.
public struct SeriesPoint: Sendable, Hashable {
    public var time: Date
    public var aggregate: RollupAggregate

    public init(time: Date, aggregate: RollupAggregate) {
        self.time = time
        self.aggregate = aggregate
    }
}

/// A series query: a stream, a half-open time range, a resolution.
public struct SeriesQuery: Sendable, Hashable {
    public var streamID: UUID
    public var siteID: UUID
    public var start: Date
    public var end: Date
    public var resolution: SeriesResolution

    public init(streamID: UUID, siteID: UUID, start: Date, end: Date, resolution: SeriesResolution) {
        self.streamID = streamID
        self.siteID = siteID
        self.start = start
        self.end = end
        self.resolution = resolution
    }

    /// The longest range one query may span.
    public static let maximumSpan: TimeInterval = 31 * 86_400

    public func validate() throws {
        guard self.start < self.end else { throw DomainError.invalid("end_time", "must be after start_time") }
        guard self.end.timeIntervalSince(self.start) <= Self.maximumSpan else {
            throw DomainError.invalid("end_time", "must be at most 31 days after start_time")
        }
    }
}
