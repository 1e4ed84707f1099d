import Foundation
import Testing

extension PostgresIntegrationTests {
    /// `harvestry bench ingest --through-broker` with a tiny load: all three rows printed, every reading rolled up
    /// once per path (pipeline and broker), group commit counted, the latency timeline written, and misused flags
    /// refused with a message naming the flag.
    @Test func benchIngestThroughBroker() async throws {
        try await withMigratedDatabase { db in
            let url = try testConninfo() + " dbname=\(db.name)"
            let timeline = NSTemporaryDirectory() + "bench-timeline-\(UUID().uuidString).csv"
            defer { try? FileManager.default.removeItem(atPath: timeline) }
            let run = try await Self.runHarvestry([
                "bench", "ingest", "--database-url", url, "--readings", "400", "--batch", "100", "--workers", "2",
                "--through-broker", "--publishers", "2", "--rate", "4000", "--devices", "3", "--timeline", timeline,
            ])
            #expect(run.status == 0)
            #expect(run.output.contains("| raw COPY (limit) | 400 | 100 | 2 |"))
            #expect(run.output.contains("| TelemetryPipeline | 400 | 100 | 2 |"))
            #expect(
                run.output.contains("| MQTT broker -> MQTTIngest (2 publishers, paced to 4000/s) | 400 | 100 | 2 |")
            )
            #expect(run.output.contains("device -> store (publish -> hub subscriber), 4 batches"))
            #expect(run.output.contains("of 800): 800 / 800 / 800"))
            // Every batch is one device batch handed to the store, on each path.
            #expect(run.output.contains("group commit: 4 batches in"))
            // A 0.1 s run has no start and end to compare.
            #expect(run.output.contains("stored per second: the run is too short to compare its start and end"))
            let csv = try String(contentsOfFile: timeline, encoding: .utf8).split(separator: "\n")
            #expect(csv.first == "second,batches,p50_ms,p99_ms,max_ms")
            // The four broker batches, by the second their first reading arrived.
            let batchesPerSecond: [Int] = csv.dropFirst().map { line in
                let columns = line.split(separator: ",")
                return columns.count == 5 ? Int(columns[1]) ?? -1 : -1
            }
            #expect(batchesPerSecond.reduce(0, +) == 4)
            #expect(!batchesPerSecond.contains(-1))

            for (arguments, flag) in [
                (["--publishers", "2"], "--publishers"),
                (["--through-broker", "--rate", "0"], "--rate"),
                (["--devices", "0"], "--devices"),
                (["--timeline", "/tmp/x.csv"], "--timeline"),
                (["--through-broker", "--timeline", "/no/such/dir/x.csv"], "--timeline"),
            ] {
                let misused = try await Self.runHarvestry(["bench", "ingest"] + arguments, errors: true)
                #expect(misused.status == 64, "ArgumentParser's usage error for \(arguments)")
                #expect(misused.output.contains(flag), "\(arguments): \(misused.output)")
            }
        }
    }
}
