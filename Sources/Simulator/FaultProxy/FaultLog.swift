import Foundation

/// A bounded in-memory log of fault records: the newest `capacity` are kept, older ones dropped and counted.
public struct FaultLog: Sendable {
    public let capacity: Int
    private var ring: [FaultRecord] = []
    /// Index in `ring` of the oldest record once the ring is full.
    private var start = 0
    private var nextSequence: UInt64 = 1
    /// Records dropped to stay within `capacity`.
    public private(set) var droppedCount = 0

    /// `2026-11-30T15:04:05.123Z`: faults are correlated with ground truth to the millisecond.
    public static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.ring.reserveCapacity(min(self.capacity, 4096))
    }

    /// Stamps `record` with the next sequence number and keeps it, dropping the oldest when full; returns it stamped.
    @discardableResult
    mutating func append(_ record: FaultRecord) -> FaultRecord {
        var record = record
        record.sequence = self.nextSequence
        self.nextSequence += 1
        if self.ring.count < self.capacity {
            self.ring.append(record)
        } else {
            self.ring[self.start] = record
            self.start = (self.start + 1) % self.capacity
            self.droppedCount += 1
        }
        return record
    }

    /// Oldest first.
    public var records: [FaultRecord] {
        Array(self.ring[self.start...] + self.ring[..<self.start])
    }

    /// One JSON object per line, oldest first (ISO 8601 times with milliseconds, snake_case keys).
    public func jsonLines() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.timeFormat))
        }
        encoder.outputFormatting = [.sortedKeys]
        return self.records.compactMap { record in
            (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) + "\n" }
        }.joined()
    }
}
