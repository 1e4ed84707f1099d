import Foundation

/// The summary of the readings of one rollup bucket: min, max, sum, count and the latest reading.
///
/// Merging is commutative and associative, so buckets come out the same whatever order readings arrive in (late
/// readings included); `last` is the value of the reading with the greatest time, ties broken by the greater value
/// so that even equal times give one answer. Duplicates must be removed before they are added: the ingest path only
/// aggregates readings it actually inserted.
public struct RollupAggregate: Sendable, Hashable {
    public var min: Double
    public var max: Double
    public var sum: Double
    public var count: Int64
    /// Microseconds since the epoch of the latest reading.
    public var lastMicros: Int64
    public var last: Double

    public init(min: Double, max: Double, sum: Double, count: Int64, lastMicros: Int64, last: Double) {
        self.min = min
        self.max = max
        self.sum = sum
        self.count = count
        self.lastMicros = lastMicros
        self.last = last
    }

    /// The aggregate of one reading.
    public init(value: Double, micros: Int64) {
        self.init(min: value, max: value, sum: value, count: 1, lastMicros: micros, last: value)
    }

    public var average: Double { self.count == 0 ? 0 : self.sum / Double(self.count) }

    public func merging(_ other: RollupAggregate) -> RollupAggregate {
        let otherIsLater = (other.lastMicros, other.last) > (self.lastMicros, self.last)
        return RollupAggregate(
            min: Swift.min(self.min, other.min),
            max: Swift.max(self.max, other.max),
            sum: self.sum + other.sum,
            count: self.count + other.count,
            lastMicros: otherIsLater ? other.lastMicros : self.lastMicros,
            last: otherIsLater ? other.last : self.last
        )
    }

    /// The start of the bucket of `resolution` width holding `micros` (floor, also before 1970).
    public static func bucketStart(_ micros: Int64, width: Int64) -> Int64 {
        let remainder = micros % width
        return remainder < 0 ? micros - remainder - width : micros - remainder
    }

    /// The buckets of `readings` at `width`, keyed by (stream, bucket start).
    public static func buckets(
        _ readings: some Sequence<Reading>,
        width: Int64
    ) -> [BucketKey: RollupAggregate] {
        var buckets: [BucketKey: RollupAggregate] = [:]
        for reading in readings {
            let key = BucketKey(streamID: reading.streamID, startMicros: bucketStart(reading.micros, width: width))
            let one = RollupAggregate(value: reading.value, micros: reading.micros)
            buckets[key] = buckets[key].map { $0.merging(one) } ?? one
        }
        return buckets
    }
}

/// A rollup bucket: a stream and the bucket's start.
public struct BucketKey: Sendable, Hashable {
    public var streamID: UUID
    public var startMicros: Int64

    public init(streamID: UUID, startMicros: Int64) {
        self.streamID = streamID
        self.startMicros = startMicros
    }
}
