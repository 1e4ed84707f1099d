import Edge
import Foundation
import Testing

@Suite struct EdgeReadingTests {
    @Test func aBatchKeepsItsReadingsInOrder() {
        let first = EdgeReading(deviceId: "d", stream: "a", value: 1, unit: "W", timestamp: Date(timeIntervalSince1970: 1))
        let second = EdgeReading(deviceId: "d", stream: "a", value: 2, unit: "W", timestamp: Date(timeIntervalSince1970: 2))
        let batch = SpoolBatch(firstSequence: 7, lastSequence: 8, readings: [first, second])
        #expect(batch.readings.map(\.value) == [1, 2])
        #expect(batch.lastSequence - batch.firstSequence + 1 == UInt64(batch.readings.count))
    }
}
