import Domain
import Foundation

/// Each staged stream's time range (first and last reading, microseconds since the epoch), as the three array
/// literals the ingest statement's lookup of stored readings unnests element by element ($3 to $5).
struct StagedRanges {
    let streamList: String
    let firstList: String
    let lastList: String

    init(_ readings: [Reading]) {
        var ranges: [UUID: (first: Int64, last: Int64)] = [:]
        for reading in readings {
            if let range = ranges[reading.streamID] {
                ranges[reading.streamID] = (min(range.first, reading.micros), max(range.last, reading.micros))
            } else {
                ranges[reading.streamID] = (reading.micros, reading.micros)
            }
        }
        let ordered = ranges.sorted { $0.key.uuidString < $1.key.uuidString }
        self.streamList = "{" + ordered.map { $0.key.uuidString.lowercased() }.joined(separator: ",") + "}"
        self.firstList = "{" + ordered.map { String($0.value.first) }.joined(separator: ",") + "}"
        self.lastList = "{" + ordered.map { String($0.value.last) }.joined(separator: ",") + "}"
    }
}
