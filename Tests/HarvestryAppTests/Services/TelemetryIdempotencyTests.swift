import API
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// AIP-155 on telemetry: a retried ingest batch gets its first answer back, not a count of duplicates.
    @Suite("Telemetry request ids")
    struct TelemetryIdempotencyTests {
        @Test("a retried IngestReadings with its request_id returns the first response and stores nothing again")
        func ingestReplay() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let metadata = try await server.login(tenant.adminBadge).metadata
                let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
                let ingest = Harvestry_Telemetry_V1_IngestReadingsRequest.with {
                    $0.batch.deviceID = sensor.deviceID
                    $0.batch.readings = [reading("air_temp", 0, 20), reading("air_temp", 10, 21)]
                    $0.requestID = "ingest-batch-1"
                }
                let first = try await server.telemetry.ingestReadings(ingest, metadata: metadata)
                #expect(first.accepted == 2 && first.duplicates == 0)
                for _ in 0..<3 {
                    // Without the replay this would answer {accepted: 0, duplicates: 2}.
                    #expect(try await server.telemetry.ingestReadings(ingest, metadata: metadata) == first)
                }
                #expect(try await Self.storedReadings(database, site: tenant.siteIDs[0]) == 2)

                var other = ingest
                other.batch.readings = [reading("air_temp", 30, 22)]
                await expectStatus(.invalidArgument, reason: "REQUEST_ID_REUSED") {
                    _ = try await server.telemetry.ingestReadings(other, metadata: metadata)
                }
                #expect(try await Self.storedReadings(database, site: tenant.siteIDs[0]) == 2)

                // Without a request_id the same batch is ingested again and reported as duplicates.
                var plain = ingest
                plain.requestID = ""
                let again = try await server.telemetry.ingestReadings(plain, metadata: metadata)
                #expect(again.accepted == 0 && again.duplicates == 2)
            }
        }

        static func storedReadings(_ database: AppDatabase, site: UUID) async throws -> Int {
            let rows = try await database.owner.query(
                "SELECT count(*)::int AS n FROM sensor_readings WHERE site_id = $1::uuid",
                [SQLValue(site)]
            )
            return try rows[0].decode("n")
        }
    }
}
