import API
import Domain
import Foundation
import Store
import SwiftProtobuf
import Synchronization

/// When each pipeline batch was handed in, and how long until its first reading reached the hub's subscriber.
final class PushClocks: Sendable {
    private let pending = Mutex<[BucketKey: ContinuousClock.Instant]>([:])
    private let measured = Mutex<[(arrived: ContinuousClock.Instant, latency: Duration)]>([])

    func started(_ key: BucketKey) {
        let now = ContinuousClock.now
        self.pending.withLock { $0[key] = now }
    }

    func arrived(_ readings: [Reading]) {
        let now = ContinuousClock.now
        let began = self.pending.withLock { pending in
            pending.isEmpty
                ? []
                : readings.compactMap {
                    pending.removeValue(forKey: BucketKey(streamID: $0.streamID, startMicros: $0.micros))
                }
        }
        guard !began.isEmpty else { return }
        self.measured.withLock { measured in measured.append(contentsOf: began.map { (now, now - $0) }) }
    }

    var count: Int { self.measured.withLock { $0.count } }
    var latencies: [Duration] { self.measured.withLock { $0.map(\.latency).sorted() } }

    /// Each batch's latency by the second (since `start`) its first reading arrived.
    func timeline(since start: ContinuousClock.Instant) -> [LatencySecond] {
        let bySecond = Dictionary(
            grouping: self.measured.withLock { $0 },
            by: { Int(BenchResult.seconds($0.arrived - start)) }
        )
        return bySecond.keys.sorted().map { second in
            LatencySecond(second: second, latencies: bySecond[second]!.map(\.latency).sorted())
        }
    }
}

/// The batches whose first reading arrived within one second of a run.
struct LatencySecond: Sendable {
    var second: Int
    /// Sorted.
    var latencies: [Duration]

    var csvLine: String {
        let result = BenchResult(wall: .zero, latencies: self.latencies)
        let max = self.latencies.last.map { String(format: "%.1f", BenchResult.seconds($0) * 1_000) } ?? ""
        return "\(self.second),\(self.latencies.count),\(result.milliseconds(0.5)),\(result.milliseconds(0.99)),\(max)"
    }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}

struct BenchResult: Sendable {
    var wall: Duration
    var latencies: [Duration]

    func rate(_ readings: Int) -> Double { Double(readings) / Self.seconds(self.wall) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func percentile(_ p: Double) -> String {
        guard !self.latencies.isEmpty else { return "-" }
        return self.milliseconds(p) + " ms"
    }

    /// The `p` quantile in milliseconds with one decimal ("" without latencies).
    func milliseconds(_ p: Double) -> String {
        guard !self.latencies.isEmpty else { return "" }
        let index = min(self.latencies.count - 1, Int((Double(self.latencies.count) * p).rounded(.up)) - 1)
        return String(format: "%.1f", Self.seconds(self.latencies[max(index, 0)]) * 1_000)
    }

    func row(_ name: String, _ readings: Int, _ batch: Int, _ workers: Int) -> String {
        "| \(name) | \(readings) | \(batch) | \(workers) | \(String(format: "%.0f", self.rate(readings))) | "
            + "\(self.percentile(0.5)) | \(self.percentile(0.95)) | \(self.percentile(0.99)) |"
    }
}

/// One organization, site, sensor devices and temperature streams, created as the owner.
struct BenchFixture: Sendable {
    struct Device: Sendable {
        var id: UUID
        var streams: [UUID]
        var keys: [UUID: String]
    }

    var site: UUID
    var devices: [Device]

    static func make(_ owner: PostgresClient, devices: Int, streamsPerDevice: Int) async throws -> BenchFixture {
        try await owner.transaction { connection in
            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let org: UUID = try await connection.query(
                "INSERT INTO organizations (name) VALUES ($1) RETURNING id",
                [SQLValue("bench \(tag)")]
            )[0].decode("id")
            let site: UUID = try await connection.query(
                "INSERT INTO sites (organization_id, name) VALUES ($1::uuid, 'bench') RETURNING id",
                [SQLValue(org)]
            )[0].decode("id")
            var made: [Device] = []
            for index in 0..<devices {
                let device: UUID = try await connection.query(
                    "INSERT INTO equipment (site_id, code, name, kind) VALUES ($1::uuid, $2, 'bench', 'sensor') RETURNING id",
                    [SQLValue(site), SQLValue("BENCH-\(tag)-\(index)")]
                )[0].decode("id")
                var streams: [UUID] = []
                var keys: [UUID: String] = [:]
                for key in 0..<streamsPerDevice {
                    let stream: UUID = try await connection.query(
                        """
                        INSERT INTO sensor_streams (site_id, equipment_id, key, stream_type, unit)
                        VALUES ($1::uuid, $2::uuid, $3, 'temperature', 'degC') RETURNING id
                        """,
                        [SQLValue(site), SQLValue(device), SQLValue("t\(key)")]
                    )[0].decode("id")
                    streams.append(stream)
                    keys[stream] = "t\(key)"
                }
                made.append(Device(id: device, streams: streams, keys: keys))
            }
            return BenchFixture(site: site, devices: made)
        }
    }

    /// The device message carrying batch `index`'s readings (from `readings(batch:size:base:)`).
    func message(batch index: Int, readings: [Reading]) -> Harvestry_Telemetry_V1_TelemetryBatch {
        let device = self.devices[index % self.devices.count]
        return .with {
            $0.deviceID = device.id.uuidString.lowercased()
            $0.sequence = UInt64(index + 1)
            $0.readings = readings.map { reading in
                .with {
                    $0.stream = device.keys[reading.streamID]!
                    $0.value = reading.value
                    $0.unit = "degC"
                    $0.timestamp = Google_Protobuf_Timestamp(date: reading.time)
                }
            }
        }
    }

    /// Batch `index`: one device's streams, `size / streams` consecutive instants each, 1 ms apart, unique across
    /// batches.
    func readings(batch index: Int, size: Int, base: Int64) -> [Reading] {
        let device = self.devices[index % self.devices.count]
        let instants = size / device.streams.count
        let first = base + Int64(index / self.devices.count) * Int64(instants) * 1_000
        var out: [Reading] = []
        out.reserveCapacity(size)
        for step in 0..<instants {
            for stream in device.streams {
                let micros = first + Int64(step) * 1_000
                out.append(Reading(streamID: stream, siteID: self.site, micros: micros, value: Double(step % 300) / 10))
            }
        }
        return out
    }
}

/// Before each timed run: the previous run's debt paid, so runs start alike. VACUUM ANALYZE of the telemetry tables
/// (what autovacuum would otherwise start in the middle of the next run, after millions of inserts) and a
/// CHECKPOINT (skipped, with a note, when the owner may not run it).
func settleDatabase(_ owner: PostgresClient, before run: String) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let note = "bench: settling the database before \(run) (VACUUM ANALYZE, CHECKPOINT)\n"
    FileHandle.standardError.write(Data(note.utf8))
    try await owner.withConnection { connection in
        try await connection.script(
            "VACUUM (ANALYZE) sensor_readings, sensor_readings_1m, sensor_readings_5m, sensor_readings_1h"
        )
        do {
            try await connection.script("CHECKPOINT")
        } catch {
            FileHandle.standardError.write(Data("bench: no CHECKPOINT (\(error))\n".utf8))
        }
    }
    let seconds = BenchResult.seconds(clock.now - start)
    FileHandle.standardError.write(Data("bench: settled in \(String(format: "%.1f", seconds)) s; \(run) starts\n".utf8))
}
