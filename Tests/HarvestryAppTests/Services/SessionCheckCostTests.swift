import API
import Domain
import Foundation
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// What checking the session on every call costs: the lookup alone, and a whole authenticated RPC around it.
    /// Prints the figures; asserts only that every lookup found the session (no timed assertions).
    @Suite("Per-call session check cost")
    struct SessionCheckCostTests {
        @Test("measure: session lookup vs an authenticated RPC (500 sequential calls each)")
        func measure() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let client = PostgresClient(
                configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 4),
                logger: TestDirectory.logger
            )
            defer { client.close() }
            let identity = PostgresIdentityRepository(client: client)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let sessionID = try #require(UUID(uuidString: session.response.sessionID))
                let rounds = 500
                var lookups: [Duration] = []
                var found = 0
                for _ in 0..<rounds {
                    let start = ContinuousClock.now
                    if try await identity.principal(sessionID: sessionID) != nil { found += 1 }
                    lookups.append(ContinuousClock.now - start)
                }
                var calls: [Duration] = []
                let request = Harvestry_Spatial_V1_ListRoomsRequest.with { $0.parent = tenant.site(0) }
                for _ in 0..<rounds {
                    let start = ContinuousClock.now
                    _ = try await server.spatial.listRooms(request, metadata: session.metadata)
                    calls.append(ContinuousClock.now - start)
                }
                #expect(found == rounds)
                print("session lookup (principal(sessionID:)): \(Self.summary(lookups))")
                print("authenticated ListRooms over gRPC:      \(Self.summary(calls))")
            }
        }

        static func summary(_ samples: [Duration]) -> String {
            let micros = samples.map { Double($0.components.attoseconds) / 1e12 + Double($0.components.seconds) * 1e6 }
                .sorted()
            let mean = micros.reduce(0, +) / Double(micros.count)
            func percentile(_ p: Double) -> Double { micros[min(micros.count - 1, Int(Double(micros.count) * p))] }
            return String(
                format: "mean %.0f us, p50 %.0f us, p99 %.0f us (n=%d)",
                mean,
                percentile(0.5),
                percentile(0.99),
                micros.count
            )
        }
    }
}
