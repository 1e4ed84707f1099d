import Foundation
import Testing

@Suite("Headers, metadata and deadlines")
struct HeaderTests {
    @Test("Authorization, Grpc-Metadata-*, X-Request-Id and X-Forwarded-For reach the service; metadata comes back")
    func forwarded() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "POST",
                "/v1/kinds:echo",
                headers: [
                    "Authorization": "Bearer token-1",
                    "Grpc-Metadata-Tenant": "acme",
                    "Grpc-Metadata-Blob-Bin": Data([0, 1, 254]).base64EncodedString(),
                    "X-Request-Id": "req-123",
                    "X-Forwarded-For": "203.0.113.9",
                ],
                body: "{}"
            )
            #expect(result.status == 200, "\(result.text)")
            #expect(result.headers["x-request-id"] == "req-123")
            #expect(result.headers["grpc-metadata-echo-authorization"] == "Bearer token-1")
            #expect(result.headers["grpc-metadata-echo-tenant"] == "acme")
            #expect(result.headers["grpc-metadata-echo-blob-bin"] == Data([0, 1, 254]).base64EncodedString())
            #expect(result.headers["grpc-metadata-echo-x-request-id"] == "req-123")
            #expect(result.headers["grpc-metadata-echo-x-forwarded-for"] == "203.0.113.9, 127.0.0.1")
        }
    }

    @Test("an X-Request-Id is generated when absent, echoed and forwarded")
    func generatedRequestID() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let first = try await client.send("GET", "/v1/farms/a/beds/b")
            let second = try await client.send("GET", "/v1/farms/a/beds/b")
            let id = try #require(first.headers["x-request-id"])
            #expect(id.count == 36)
            #expect(first.headers["grpc-metadata-echo-x-request-id"] == id)
            #expect(second.headers["x-request-id"] != id)
            #expect(first.headers["grpc-metadata-echo-x-forwarded-for"] == "127.0.0.1")
        }
    }

    @Test("Grpc-Timeout sets the deadline: a slower call gets 504 DEADLINE_EXCEEDED")
    func deadline() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "POST",
                "/v1/kinds:echo",
                headers: ["Grpc-Timeout": "200m", "Grpc-Metadata-Sleep-Ms": "20000"],
                body: "{}"
            )
            #expect(result.status == 504, "\(result.text)")
            #expect(try result.error()["status"] as? String == "DEADLINE_EXCEEDED")
        }
    }

    @Test("Grpc-Timeout parsing", arguments: [("1S", 1_000), ("250m", 250), ("2M", 120_000), ("1H", 3_600_000)])
    func timeoutParsing(_ text: String, _ milliseconds: Int64) {
        #expect(HeaderMappingProbe.parse(text) == .milliseconds(milliseconds))
    }

    @Test("bad Grpc-Timeout values are refused", arguments: ["", "S", "10", "1s", "123456789S", "-1S"])
    func badTimeouts(_ text: String) {
        #expect(HeaderMappingProbe.parse(text) == nil)
    }
}

extension HeaderTests {
    @Test("generated request ids are version-4 UUIDs")
    func requestIDFormat() {
        let id = GatewayProbe.newRequestID()
        #expect(id.count == 36)
        #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
        #expect(GatewayProbe.newRequestID() != id)
    }
}
