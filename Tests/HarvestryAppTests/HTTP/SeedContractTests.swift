import Foundation
import TestSupport
import Testing

extension DatabaseSuites {
    /// The seed REST contracts of FRP-01 and FRP-02 through a plain HTTP client (Python urllib,
    /// scripts/interop/seed_contracts.py) against the gateway beside the server: badge login, sessions, badge
    /// revocation, `POST /sites/{siteId}/rooms`, `POST /equipment` and `GET /equipment/{id}/calibrations`, with
    /// the seed document's JSON field names.
    @Suite("Seed REST contracts over HTTP")
    struct SeedContractTests {
        @Test("every identity and spatial seed contract answers with the seed's field names")
        func contracts() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database, gateway: true) { server in
                let port = try #require(server.httpPort)
                let script = ExternalProgram.repositoryRoot.appendingPathComponent("scripts/interop/seed_contracts.py")
                let result = try await ExternalProgram.run(
                    [
                        "python3", script.path, "http://127.0.0.1:\(port)", tenant.adminBadge,
                        tenant.siteIDs[0].uuidString.lowercased(),
                    ],
                    timeout: .seconds(60)
                )
                #expect(result.status == 0, "\(result.output)")
                let checked = result.output.split(separator: "\n").filter { $0.hasPrefix("OK ") }
                #expect(
                    checked == [
                        "OK POST /auth/badge-login", "OK GET /auth/sessions", "OK POST /sites/{siteId}/rooms",
                        "OK POST /equipment", "OK GET /equipment/{id}/calibrations", "OK POST /auth/badge-revoke",
                    ],
                    "\(result.output)"
                )
            }
        }
    }
}
