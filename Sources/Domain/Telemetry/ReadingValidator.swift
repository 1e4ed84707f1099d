import Foundation

/// Checks a device's readings against its registered streams and turns them into canonical `Reading`s: a known
/// stream (by key or id), a finite value, a unit that converts to the stream's canonical unit, a converted value
/// in the type's plausible range, a timestamp neither too far in the future nor older than the raw retention.
/// Readings repeated within the batch (same stream and microsecond) are dropped after the first and counted.
public struct ReadingValidator: Sendable {
    /// How far ahead of the server's clock a timestamp may be (device clocks drift).
    public var maximumFuture: TimeInterval
    /// How old a reading may be (older ones would land in a partition retention already dropped).
    public var maximumAge: TimeInterval
    public static let maximumBatchSize = 10_000

    public init(maximumFuture: TimeInterval = 300, maximumAge: TimeInterval = 90 * 86_400) {
        self.maximumFuture = maximumFuture
        self.maximumAge = maximumAge
    }

    /// One rejected reading: the field path (e.g. `batch.readings[3].value`), a reason and what is wrong.
    public struct Issue: Sendable, Hashable {
        public var field: String
        public var reason: String
        public var description: String

        public init(field: String, reason: String, description: String) {
            self.field = field
            self.reason = reason
            self.description = description
        }
    }

    public struct Outcome: Sendable, Hashable {
        /// The valid readings, first occurrences only, in batch order.
        public var readings: [Reading]
        /// Valid readings dropped because an earlier one of the batch had the same stream and time.
        public var duplicates: Int
        public var issues: [Issue]
    }

    public func validate(
        _ raw: [RawReading],
        streams: [SensorStream],
        now: Date,
        field prefix: String = "batch.readings"
    ) -> Outcome {
        var issues: [Issue] = []
        guard raw.count <= Self.maximumBatchSize else {
            let issue = Issue(
                field: prefix,
                reason: "BATCH_TOO_LARGE",
                description: "has \(raw.count) readings, at most \(Self.maximumBatchSize) are allowed"
            )
            return Outcome(readings: [], duplicates: 0, issues: [issue])
        }
        let byKey = Dictionary(streams.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let byID = Dictionary(streams.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<BucketKey>(minimumCapacity: raw.count)
        var readings: [Reading] = []
        readings.reserveCapacity(raw.count)
        var duplicates = 0
        // A batch uses few spellings: each is parsed once.
        var units: [String: MeasurementUnit?] = [:]
        for (index, reading) in raw.enumerated() {
            // The field path is only spelled out for a rejected reading.
            func reject(_ name: String, _ reason: String, _ description: String) {
                issues.append(Issue(field: "\(prefix)[\(index)].\(name)", reason: reason, description: description))
            }
            guard let stream = self.stream(of: reading, byKey: byKey, byID: byID, reject: reject) else { continue }
            guard reading.value.isFinite else {
                reject("value", "VALUE_NOT_FINITE", "must be a finite number")
                continue
            }
            guard let value = self.canonical(reading, stream: stream, units: &units, reject: reject) else { continue }
            guard let time = reading.time else {
                reject("timestamp", "FIELD_REQUIRED", "is required")
                continue
            }
            guard time.timeIntervalSince(now) <= self.maximumFuture else {
                reject(
                    "timestamp",
                    "TIMESTAMP_IN_FUTURE",
                    "is \(Int(time.timeIntervalSince(now))) s ahead of the server, at most \(Int(self.maximumFuture)) s are allowed"
                )
                continue
            }
            guard now.timeIntervalSince(time) <= self.maximumAge else {
                reject(
                    "timestamp",
                    "TIMESTAMP_TOO_OLD",
                    "is older than the \(Int(self.maximumAge / 86_400))-day retention"
                )
                continue
            }
            let valid = Reading(streamID: stream.id, siteID: stream.siteID, time: time, value: value)
            guard seen.insert(BucketKey(streamID: valid.streamID, startMicros: valid.micros)).inserted else {
                duplicates += 1
                continue
            }
            readings.append(valid)
        }
        return Outcome(readings: readings, duplicates: duplicates, issues: issues)
    }

    private func stream(
        of reading: RawReading,
        byKey: [String: SensorStream],
        byID: [UUID: SensorStream],
        reject: (String, String, String) -> Void
    ) -> SensorStream? {
        if !reading.streamID.isEmpty {
            guard let id = UUID(uuidString: reading.streamID), let stream = byID[id] else {
                reject("stream_id", "UNKNOWN_STREAM", "'\(reading.streamID.prefix(60))' is not a stream of the device")
                return nil
            }
            return stream
        }
        guard !reading.streamKey.isEmpty else {
            reject("stream", "FIELD_REQUIRED", "one of stream and stream_id is required")
            return nil
        }
        guard let stream = byKey[reading.streamKey] else {
            reject("stream", "UNKNOWN_STREAM", "'\(reading.streamKey.prefix(60))' is not a stream of the device")
            return nil
        }
        return stream
    }

    /// The value in the stream's canonical unit, if the unit converts and the result is plausible.
    private func canonical(
        _ reading: RawReading,
        stream: SensorStream,
        units: inout [String: MeasurementUnit?],
        reject: (String, String, String) -> Void
    ) -> Double? {
        let canonical = stream.type.canonicalUnit
        let value: Double
        if reading.unit.isEmpty {
            value = reading.value
        } else {
            let spelled: MeasurementUnit?
            if let known = units[reading.unit] {
                spelled = known
            } else {
                spelled = MeasurementUnit(spelling: reading.unit)
                units[reading.unit] = spelled
            }
            guard let unit = spelled else {
                reject("unit", "UNKNOWN_UNIT", "'\(reading.unit.prefix(20))' is not a known unit")
                return nil
            }
            guard let converted = unit.convert(reading.value, to: canonical) else {
                reject(
                    "unit",
                    "UNIT_MISMATCH",
                    "\(unit.rawValue) does not convert to \(canonical.rawValue) (a \(stream.type.rawValue) stream)"
                )
                return nil
            }
            value = converted
        }
        let range = stream.type.plausibleRange
        guard range.contains(value) else {
            reject(
                "value",
                "VALUE_OUT_OF_RANGE",
                "\(value) \(canonical.rawValue) is outside \(range.lowerBound)...\(range.upperBound) for \(stream.type.rawValue)"
            )
            return nil
        }
        return value
    }
}
