import Domain
import Foundation
import TestSupport
import Testing

@Suite("Rollup buckets")
struct RollupAggregateTests {
    @Test("bucket starts floor to the width, also before 1970")
    func bucketStart() {
        #expect(RollupAggregate.bucketStart(59_999_999, width: 60_000_000) == 0)
        #expect(RollupAggregate.bucketStart(60_000_000, width: 60_000_000) == 60_000_000)
        #expect(RollupAggregate.bucketStart(-1, width: 60_000_000) == -60_000_000)
        #expect(RollupAggregate.bucketStart(-60_000_000, width: 60_000_000) == -60_000_000)
        #expect(RollupAggregate.bucketStart(3_600_000_001 + 299_999_999, width: 300_000_000) == 3_900_000_000)
    }

    @Test("min, max, sum, count and last of a bucket")
    func aggregate() {
        let stream = UUID()
        let readings = [(10.0, 1), (4.0, 3), (7.0, 2)].map {
            Reading(streamID: stream, siteID: stream, micros: Int64($0.1) * 1_000_000, value: $0.0)
        }
        let buckets = RollupAggregate.buckets(readings, width: 60_000_000)
        let only = try! #require(buckets[BucketKey(streamID: stream, startMicros: 0)])
        #expect(buckets.count == 1)
        #expect(only.min == 4 && only.max == 10 && only.sum == 21 && only.count == 3)
        #expect(only.last == 4 && only.lastMicros == 3_000_000)
        #expect(only.average == 7)
    }

    @Test("any arrival order (late readings) gives the same buckets", arguments: 0..<20)
    func orderIndependent(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let streams = [UUID(), UUID()]
        let readings = (0..<200).map { _ in
            Reading(
                streamID: streams[Int(rng.next() % 2)],
                siteID: streams[0],
                micros: Int64(rng.next() % 7_200_000_000),
                value: Double(rng.next() % 1000) / 10
            )
        }
        for width in SeriesResolution.rollups.compactMap(\.bucketMicros) {
            let inOrder = RollupAggregate.buckets(readings.sorted { $0.micros < $1.micros }, width: width)
            let shuffled = RollupAggregate.buckets(readings.shuffled(using: &rng), width: width)
            // Folding bucket-by-bucket partial aggregates (what the store does batch by batch) agrees too.
            var merged: [BucketKey: RollupAggregate] = [:]
            for chunk in stride(from: 0, to: readings.count, by: 37) {
                let part = RollupAggregate.buckets(readings[chunk..<min(chunk + 37, readings.count)], width: width)
                merged.merge(part) { $0.merging($1) }
            }
            #expect(Set(inOrder.keys) == Set(shuffled.keys))
            for (key, value) in inOrder {
                let other = shuffled[key]!
                #expect(value.count == other.count && value.min == other.min && value.max == other.max)
                #expect(abs(value.sum - other.sum) < 1e-6)
                #expect(value.last == other.last && value.lastMicros == other.lastMicros)
                #expect(merged[key]!.count == value.count && merged[key]!.last == value.last)
            }
        }
    }
}


@Suite("Reading notifications")
struct ReadingNotificationTests {
    @Test("round trip in chunks under the NOTIFY limit")
    func roundTrip() throws {
        let site = UUID()
        let streams = [UUID(), UUID(), UUID()]
        let readings = (0..<500).map {
            Reading(
                streamID: streams[$0 % 3],
                siteID: site,
                micros: 1_800_000_000_000_000 + Int64($0),
                value: Double($0) / 3
            )
        }
        let payloads = ReadingNotification.encode(readings, siteID: site)
        #expect(payloads.count > 1)
        #expect(payloads.allSatisfy { $0.utf8.count < 8000 })
        let decoded = try payloads.flatMap { try #require(ReadingNotification.decode($0)) }
        #expect(decoded == readings)
    }

    @Test("decodes Postgres' spelling: either case, negative times, exponents; refuses truncated items")
    func postgresSpelling() throws {
        let site = UUID()
        let stream = UUID()
        let payload = "\(site.uuidString);\(stream.uuidString.lowercased()),-5,1e-07;\(stream.uuidString),12,-3.5"
        #expect(
            ReadingNotification.decode(payload) == [
                Reading(streamID: stream, siteID: site, micros: -5, value: 1e-07),
                Reading(streamID: stream, siteID: site, micros: 12, value: -3.5),
            ]
        )
        #expect(ReadingNotification.decode("\(site.uuidString)") == [])
        for broken in [";\(stream),1", ";\(stream),,1", ";\(stream),1,", ";\(stream)1,2", ";\(stream.uuidString.dropLast()),1,2"] {
            #expect(ReadingNotification.decode(site.uuidString + broken) == nil, "\(broken)")
        }
    }

    @Test("garbage is nil, no readings is no payload")
    func garbage() {
        #expect(ReadingNotification.decode("not a payload") == nil)
        #expect(ReadingNotification.decode("\(UUID().uuidString);x,1,2") == nil)
        #expect(ReadingNotification.encode([], siteID: UUID()).isEmpty)
    }
}
