import API
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Synchronization
import Testing

/// Its own cluster (the trait is per suite): the test kills the cluster's LISTEN connections, which would disturb
/// the pushes other suites wait for.
@Suite("Subscribe across a lost database connection", .appDatabase)
struct TelemetrySubscribeReconnectTests {
    @Test("a Subscribe stream keeps pushing after the hub's LISTEN connection is killed (the hub reconnects)")
    func pushesAfterListenConnectionLoss() async throws {
        let database = try AppDatabase.current()
        let tenant = try await TestTenant.make(in: database)
        try await TestServer.with(database) { server in
            let metadata = try await server.login(tenant.adminBadge).metadata
            let sensor = try await TelemetrySensor.make(server, metadata, site: tenant.site(0))
            let hub = server.telemetryServices.hub
            try await eventually("the hub listens") { hub.isListening }
            let pushedBeforeLoss = Flag()
            let pushedAfterLoss = Flag()
            try await withThrowingTaskGroup(of: [Double].self) { group in
                group.addTask {
                    try await server.telemetry.subscribe(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.streams = [sensor.temperature.name]
                        },
                        metadata: metadata
                    ) { response in
                        var values: [Double] = []
                        for try await update in response.messages {
                            values.append(update.value)
                            if update.value == 20 { pushedBeforeLoss.set() }
                            if update.value >= 30 {
                                pushedAfterLoss.set()
                                break
                            }
                        }
                        return values
                    }
                }
                try await eventually("the subscriber is registered") { hub.subscriberCount == 1 }
                _ = try await server.telemetry.ingestReadings(
                    .with {
                        $0.batch.deviceID = sensor.deviceID
                        $0.batch.readings = [reading("air_temp", 0, 20)]
                    },
                    metadata: metadata
                )
                // Killed before its NOTIFY reached the hub, the first reading would be lost with the connection
                // (seen once under load): wait until it is pushed.
                try await eventually("the reading before the loss is pushed") { pushedBeforeLoss.isSet }
                let killed = try await database.owner.query(
                    """
                    SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
                    WHERE query ILIKE 'listen%' AND pid <> pg_backend_pid()
                    """
                )
                #expect(try killed[0].decode("n", as: Int.self) >= 1, "no LISTEN connection to kill")
                // Readings sent while the hub reconnects are not pushed (NOTIFY is not queued for a lost listener),
                // so ingest one new reading at a time until one arrives (bounded: 300 tries, 100 ms apart).
                for attempt in 1...300 {
                    _ = try await server.telemetry.ingestReadings(
                        .with {
                            $0.batch.deviceID = sensor.deviceID
                            $0.batch.readings = [reading("air_temp", Double(attempt), 30 + Double(attempt) / 100)]
                        },
                        metadata: metadata
                    )
                    try await Task.sleep(for: .milliseconds(100))
                    if pushedAfterLoss.isSet { break }
                }
                let values = try #require(try await group.next())
                #expect(values.first == 20, "the reading before the loss was pushed")
                #expect((values.last ?? 0) >= 30, "a reading after the loss was pushed")
                group.cancelAll()
            }
        }
    }
}

/// A one-way switch shared with a child task.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { self.value.store(true, ordering: .releasing) }
    var isSet: Bool { self.value.load(ordering: .acquiring) }
}
