import Foundation
import Testing

@testable import Simulator

@Suite("Fault log")
struct FaultLogTests {
    static func record(_ effect: FaultEffect, connection: UInt64? = nil) -> FaultRecord {
        FaultRecord(
            sequence: 0,
            time: Date(timeIntervalSince1970: 1_764_500_000),
            proxy: "p",
            group: "zone-a",
            toxic: "blackhole_downstream",
            type: "blackhole",
            direction: .downstream,
            effect: effect,
            connection: connection,
            bytes: 4
        )
    }

    @Test func keepsTheNewestWithinCapacityAndCountsTheDropped() {
        var log = FaultLog(capacity: 3)
        for index in UInt64(1)...5 { log.append(Self.record(.swallowed, connection: index)) }
        #expect(log.records.map(\.sequence) == [3, 4, 5])
        #expect(log.records.map(\.connection) == [3, 4, 5])
        #expect(log.droppedCount == 2)
    }

    @Test func exportsOneJSONObjectPerLineWithSnakeCaseKeys() throws {
        var log = FaultLog(capacity: 10)
        log.append(Self.record(.added))
        log.append(Self.record(.droppedConnection, connection: 7))
        let lines = log.jsonLines().split(separator: "\n")
        #expect(lines.count == 2)
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        )
        #expect(object["effect"] as? String == "dropped_connection")
        #expect(object["connection"] as? Int == 7)
        #expect(object["group"] as? String == "zone-a")
        #expect(object["direction"] as? String == "downstream")
        #expect(object["sequence"] as? Int == 2)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try FaultLog.timeFormat.parse(try decoder.singleValueContainer().decode(String.self))
        }
        let decoded = try decoder.decode(FaultRecord.self, from: Data(lines[0].utf8))
        #expect(decoded.effect == .added && decoded.bytes == 4)
        #expect(decoded.time == Self.record(.added).time)
        #expect((object["time"] as? String)?.hasSuffix(".000Z") == true)
    }
}
