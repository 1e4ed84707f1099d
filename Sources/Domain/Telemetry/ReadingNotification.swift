import Foundation

/// How stored readings travel between server instances over Postgres NOTIFY on `channel`: one payload per chunk of a
/// site's readings, `site;stream,micros,value;stream,micros,value...`, each payload under NOTIFY's 8000-byte limit.
public enum ReadingNotification {
    public static let channel = "harvestry_readings"
    /// Leaves room under Postgres' 8000-byte payload limit.
    static let maximumPayload = 7_800

    public static func encode(_ readings: [Reading], siteID: UUID) -> [String] {
        let head = siteID.uuidString.lowercased()
        var payloads: [String] = []
        var current = head
        for reading in readings {
            let item = ";\(reading.streamID.uuidString.lowercased()),\(reading.micros),\(reading.value)"
            if current.utf8.count + item.utf8.count > Self.maximumPayload {
                payloads.append(current)
                current = head
            }
            current += item
        }
        if current != head { payloads.append(current) }
        return payloads
    }

    /// The readings of a payload; nil when it is not one `encode` wrote.
    public static func decode(_ payload: String) -> [Reading]? {
        let parts = payload.split(separator: ";")
        guard let first = parts.first, let site = UUID(uuidString: String(first)) else { return nil }
        var readings: [Reading] = []
        readings.reserveCapacity(parts.count - 1)
        for part in parts.dropFirst() {
            let fields = part.split(separator: ",")
            guard fields.count == 3, let stream = UUID(uuidString: String(fields[0])), let micros = Int64(fields[1]),
                let value = Double(fields[2])
            else { return nil }
            readings.append(Reading(streamID: stream, siteID: site, micros: micros, value: value))
        }
        return readings
    }
}
