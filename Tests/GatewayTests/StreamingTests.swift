import Foundation
import Testing

@Suite("Server streams as NDJSON and Server-Sent Events")
struct StreamingTests {
    @Test("NDJSON: one JSON object a line")
    func ndjson() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("GET", "/v1/kinds:stream?count=3")
            #expect(result.status == 200)
            #expect(result.headers["content-type"] == "application/x-ndjson")
            let lines = result.text.split(separator: "\n")
            #expect(
                lines == [
                    #"{"int64Value":"1","stringValue":"item 0"}"#, #"{"int64Value":"2","stringValue":"item 1"}"#,
                    #"{"int64Value":"3","stringValue":"item 2"}"#,
                ]
            )
        }
    }

    @Test("NDJSON: an error mid-stream is a final {\"error\":...} line")
    func ndjsonMidStreamError() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("GET", "/v1/kinds:stream?count=2&failCode=8")
            #expect(result.status == 200)
            let lines = result.text.split(separator: "\n")
            #expect(lines.count == 3)
            let last = try #require(lines.last)
            let error = try #require(
                (try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])?["error"] as? [String: Any]
            )
            #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(error["code"] as? Int == 429)
            #expect(error["message"] as? String == "failed after 2 messages")
        }
    }

    @Test("SSE: data events, then an error event mid-stream")
    func serverSentEvents() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "GET",
                "/v1/kinds:stream?count=2&failCode=14",
                headers: ["Accept": "text/event-stream"]
            )
            #expect(result.status == 200)
            #expect(result.headers["content-type"] == "text/event-stream")
            let events = result.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count == 3)
            #expect(events.first == #"data: {"int64Value":"1","stringValue":"item 0"}"#)
            let last = try #require(events.last)
            #expect(last.hasPrefix("event: error\ndata: {\"error\":{\"code\":503,"))
            #expect(last.contains(#""status":"UNAVAILABLE""#))
        }
    }

    @Test("SSE: a stream that completes has only data events")
    func serverSentEventsComplete() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send(
                "GET",
                "/v1/echo:expand?text=one+two",
                headers: ["Accept": "text/event-stream"]
            )
            #expect(result.text == "data: {\"text\":\"one\"}\n\ndata: {\"text\":\"two\"}\n\n")
        }
    }

    @Test("a stream refused before its first message gets a proper error status, not a 200")
    func refusedStream() async throws {
        try await GatewayFixture.withGateway { client, _ in
            for accept in ["text/event-stream", "application/x-ndjson"] {
                let result = try await client.send(
                    "GET",
                    "/v1/kinds:stream?count=0&failCode=5",
                    headers: ["Accept": accept]
                )
                #expect(result.status == 404)
                #expect(result.headers["content-type"] == "application/json")
                #expect(try result.error()["status"] as? String == "NOT_FOUND")
            }
        }
    }
}
