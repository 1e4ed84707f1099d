import Foundation
import Testing

@testable import Gateway

@Suite("CORS, health, readiness, metrics and OpenAPI")
struct EndpointTests {
    static let origin = "https://app.example.com"

    @Test("a preflight from an allowed origin is answered with the path's methods")
    func preflight() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "OPTIONS",
                "/v1/farms/a/beds/b",
                headers: [
                    "Origin": Self.origin, "Access-Control-Request-Method": "PATCH",
                    "Access-Control-Request-Headers": "authorization, content-type",
                ]
            )
            #expect(result.status == 204)
            #expect(result.headers["access-control-allow-origin"] == Self.origin)
            #expect(result.headers["access-control-allow-methods"] == "GET, PATCH, DELETE")
            #expect(result.headers["access-control-allow-headers"] == "authorization, content-type")
            #expect(result.headers["access-control-max-age"] == "600")
        }
    }

    @Test("a preflight from another origin is refused; simple requests get CORS headers only when allowed")
    func otherOrigins() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let refused = try await client.send(
                "OPTIONS",
                "/v1/kinds",
                headers: ["Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"]
            )
            #expect(refused.status == 403)
            #expect(try refused.error()["status"] as? String == "PERMISSION_DENIED")
            #expect(refused.headers["access-control-allow-origin"] == nil)

            let allowed = try await client.send("GET", "/v1/kinds", headers: ["Origin": Self.origin])
            #expect(allowed.headers["access-control-allow-origin"] == Self.origin)
            #expect(allowed.headers["vary"] == "Origin")
            let other = try await client.send("GET", "/v1/kinds", headers: ["Origin": "https://evil.example.com"])
            #expect(other.status == 200)
            #expect(other.headers["access-control-allow-origin"] == nil)
        }
    }

    @Test("/healthz, /readyz and /metrics")
    func operations() async throws {
        try await GatewayFixture.withGateway { client, gateway in
            #expect(try await client.send("GET", "/healthz").status == 200)
            let ready = try await client.send("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(ready.text == #"{"status":"SERVING"}"#)
            _ = try await client.send("POST", "/v1/kinds:echo", body: "{}")
            _ = try await client.send("POST", "/v1/kinds:echo", body: "{")
            #expect(gateway.metrics.count(route: "POST /v1/kinds:echo", status: 200) == 1)
            let metrics = try await client.send("GET", "/metrics")
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(
                metrics.text.contains(#"harvestry_gateway_requests_total{route="POST /v1/kinds:echo",status="200"} 1"#)
            )
            #expect(
                metrics.text.contains(#"harvestry_gateway_requests_total{route="POST /v1/kinds:echo",status="400"} 1"#)
            )
            #expect(
                metrics.text.contains(
                    #"harvestry_gateway_request_duration_seconds_bucket{route="POST /v1/kinds:echo",status="200",le="+Inf"} 1"#
                )
            )
            #expect(
                metrics.text.contains(
                    #"harvestry_gateway_request_duration_seconds_count{route="POST /v1/kinds:echo",status="200"} 1"#
                )
            )
        }
    }

    @Test("/openapi.json is an OpenAPI 3.1 document of the routes")
    func openAPI() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("GET", "/openapi.json")
            let document = try result.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(paths["/v1/farms/{name_farms}/beds/{name_beds}:abort"] != nil)
            #expect(paths["/v1/kinds/{string_value}/nested/{nested_name}"] != nil)
            let echo = try #require((paths["/v1/echo:echo"] as? [String: Any])?["post"] as? [String: Any])
            #expect(echo["operationId"] as? String == "EchoService_Echo")
        }
    }

    /// docs/openapi.json must be what the gateway serves for the production services;
    /// `HARVESTRY_UPDATE_OPENAPI=1 swift test --filter EndpointTests` rewrites it.
    @Test("docs/openapi.json is current")
    func committedDocument() throws {
        let index = try DescriptorIndex.embedded()
        let generated = OpenAPIDocument(table: try RouteTable(index: index), index: index).json()
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        if ProcessInfo.processInfo.environment["HARVESTRY_UPDATE_OPENAPI"] == "1" {
            try generated.write(to: url, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(
            committed == generated,
            "docs/openapi.json is stale: HARVESTRY_UPDATE_OPENAPI=1 swift test --filter EndpointTests"
        )
    }
}
