import Foundation
import TestSupport
import Testing

extension DatabaseSuites {
    /// schemathesis (PyPI, from scripts/bootstrap) against the full server's gateway, signed in as an admin, over
    /// every IdentityService and SpatialService operation, then every IrrigationService one (run control behind
    /// the tests' recording engine): no 5xx, and every status, content type, header and body as /openapi.json
    /// documents them (the checks of Tests/GatewayTests/SchemathesisTests.swift).
    @Suite("schemathesis against the Identity, Spatial and Irrigation routes", .serialized)
    struct SchemathesisServiceTests {
        @Test(
            "schemathesis finds no failures in the services",
            arguments: ["IdentityService|SpatialService", "IrrigationService"]
        )
        func schemathesis(tags: String) async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database, gateway: true) { server in
                let port = try #require(server.httpPort)
                let admin = try await server.login(tenant.adminBadge, device: "schemathesis")
                // Every `{..._sites}` path parameter is the tenant's site, so requests get past the scope check
                // into validation and the database; the other ids stay random.
                let config = try Self.configuration(
                    site: tenant.siteIDs[0].uuidString.lowercased(),
                    openAPI: try await GatewayClient(port: port).send("GET", "/openapi.json").body
                )
                defer { try? FileManager.default.removeItem(atPath: config) }
                let result = try await ExternalProgram.run(
                    [
                        "schemathesis", "--config-file", config, "run", "http://127.0.0.1:\(port)/openapi.json",
                        "--header", "Authorization: Bearer \(admin.token)",
                        "--max-examples", "6", "--seed", "20261122", "--no-color",
                        // One worker: hypothesis' lambda descriptions call ast.parse, which is not thread-safe on
                        // Python 3.11 and made a two-worker run fail with an internal error.
                        "--workers", "1",
                        // As in GatewayTests: the default 10 s read timeout is too short on a loaded CI machine.
                        "--request-timeout", "60",
                        "--include-tag-regex", "^(\(tags))$",
                        // BadgeLogin answers every random badge with 401 and would only slow the run down;
                        // EndSession and RevokeBadge could end the session schemathesis signs in with.
                        "--exclude-operation-id-regex", "_(BadgeLogin|EndSession|RevokeBadge)(_[0-9]+)?$",
                        "--checks",
                        "not_a_server_error,status_code_conformance,content_type_conformance,"
                            + "response_headers_conformance,response_schema_conformance,unsupported_method",
                    ],
                    timeout: .seconds(240)
                )
                if let summary = result.output.range(of: "SUMMARY") {
                    print("schemathesis (\(tags)):" + result.output[summary.upperBound...])
                }
                #expect(result.status == 0, "schemathesis failed:\n\(result.output.suffix(40000))")
                #expect(result.output.contains("passed"), "\(result.output.suffix(2000))")
            }
        }

        /// A schemathesis.toml fixing every path parameter named `..._sites` to `site`; returns its path.
        static func configuration(site: String, openAPI: Data) throws -> String {
            let document = try #require(try JSONSerialization.jsonObject(with: openAPI) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            var names: Set<String> = []
            for path in paths.keys {
                var rest = path[...]
                while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                    let name = rest[rest.index(after: open)..<close]
                    if name.hasSuffix("_sites") { names.insert(String(name)) }
                    rest = rest[rest.index(after: close)...]
                }
            }
            let lines = ["[parameters]"] + names.sorted().map { "\"path.\($0)\" = \"\(site)\"" }
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("schemathesis-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).toml").path
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }
}
