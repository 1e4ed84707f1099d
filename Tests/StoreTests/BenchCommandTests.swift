import Foundation
import Testing

extension PostgresIntegrationTests {
    /// `harvestry bench ingest --through-broker` with a tiny load: all three rows printed, every reading rolled up
    /// once per path (pipeline and broker), and misused flags are refused.
    @Test func benchIngestThroughBroker() async throws {
        try await withMigratedDatabase { db in
            let url = try testConninfo() + " dbname=\(db.name)"
            let run = try await Self.runHarvestry([
                "bench", "ingest", "--database-url", url, "--readings", "400", "--batch", "100", "--workers", "2",
                "--through-broker", "--publishers", "2", "--rate", "4000",
            ])
            #expect(run.status == 0)
            #expect(run.output.contains("| raw COPY (limit) | 400 | 100 | 2 |"))
            #expect(run.output.contains("| TelemetryPipeline | 400 | 100 | 2 |"))
            #expect(
                run.output.contains("| MQTT broker -> MQTTIngest (2 publishers, paced to 4000/s) | 400 | 100 | 2 |")
            )
            #expect(run.output.contains("device -> store (publish -> hub subscriber), 4 batches"))
            #expect(run.output.contains("of 800): 800 / 800 / 800"))

            let misused = try await Self.runHarvestry(["bench", "ingest", "--publishers", "2"])
            #expect(misused.status == 64, "ArgumentParser's usage error")
            let unpaced = try await Self.runHarvestry(["bench", "ingest", "--through-broker", "--rate", "0"])
            #expect(unpaced.status == 64)
        }
    }
}
