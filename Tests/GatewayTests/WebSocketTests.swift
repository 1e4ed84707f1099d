import Foundation
import TestSupport
import Testing

/// Client and bidirectional streams over WebSocket, with a real peer (scripts/interop/ws_client.py, Python
/// websocket-client from scripts/bootstrap).
@Suite("Client and bidirectional streams over WebSocket")
struct WebSocketTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/interop/ws_client.py").path

    /// Runs the peer; returns the lines it printed.
    static func exchange(port: Int, path: String, headers: [String] = [], messages: [String]) async throws -> [String] {
        let result = try await ChildProcess.run(
            ["python3", Self.script, "ws://127.0.0.1:\(port)\(path)"] + headers.flatMap { ["--header", $0] } + messages,
            timeout: .seconds(60)
        )
        let text = result.output
        #expect(result.status == 0, "ws_client: \(text)")
        return text.split(separator: "\n").map(String.init)
    }

    @Test("bidirectional: each message answered as it arrives, query fields merged into each, then a normal close")
    func bidirectional() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let lines = try await Self.exchange(
                port: client.port,
                path: "/v1/echo:update?payload=AAE%3D",
                headers: ["X-Request-Id: ws-1"],
                messages: [#"{"text":"one"}"#, #"{"text":"two"}"#, #"{"text":"three"}"#]
            )
            #expect(
                lines == [
                    "REQUEST-ID ws-1", #"{"text":"one","payload":"AAE="}"#, #"{"text":"two","payload":"AAE="}"#,
                    #"{"text":"three","payload":"AAE="}"#, "CLOSE 1000 ",
                ]
            )
        }
    }

    @Test("client stream: one response after the end of the requests")
    func clientStream() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let lines = try await Self.exchange(
                port: client.port,
                path: "/v1/kinds:count",
                messages: [#"{"stringValue":"a"}"#, #"{"string_value":"b"}"#]
            )
            #expect(lines.dropFirst().first == #"{"int64Value":"2","repeatedString":["a","b"]}"#)
            #expect(lines.last == "CLOSE 1000 ")
        }
    }

    @Test("errors are a JSON google.rpc.Status message before the close: upstream and bad JSON")
    func errors() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let failed = try await Self.exchange(
                port: client.port,
                path: "/v1/kinds:count",
                messages: [#"{"stringValue":"a"}"#, #"{"stringValue":"fail"}"#]
            )
            #expect(failed.count == 3)
            #expect(
                failed[1].hasPrefix(
                    #"{"error":{"code":400,"message":"message 2 asked to fail","status":"INVALID_ARGUMENT""#
                )
            )
            #expect(failed[2] == "CLOSE 1000 INVALID_ARGUMENT")

            let badJSON = try await Self.exchange(
                port: client.port,
                path: "/v1/kinds:count",
                messages: [#"{"nope":1}"#]
            )
            #expect(badJSON.count == 3)
            #expect(badJSON[1].contains("unknown field 'nope'"))
        }
    }

    @Test("a WebSocket route over plain HTTP says how to connect")
    func plainHTTP() async throws {
        try await GatewayFixture.withGateway { client, _ in
            let result = try await client.send("GET", "/v1/echo:update")
            #expect(result.status == 400)
            #expect(try result.error()["status"] as? String == "FAILED_PRECONDITION")
        }
    }
}
