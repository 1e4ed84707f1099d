import API
import CoreTransport
import GRPCCore
import HarvestryApp
import SwiftProtobuf
import Testing

@testable import Gateway

/// The upstream `harvestry serve` gives its gateway: calls straight into the in-process server's handlers.
@Suite("Direct upstream")
struct DirectUpstreamTests {
    typealias Echo = Harvestry_Echo_V1_EchoService.Method

    static func request(_ text: String) throws -> [UInt8] {
        try Harvestry_Echo_V1_EchoRequest.with { $0.text = text }.serializedBytes()
    }

    static func text(_ bytes: [UInt8]) throws -> String {
        try Harvestry_Echo_V1_EchoResponse(serializedBytes: bytes).text
    }

    /// Runs `body` with an upstream whose server is serving EchoService, and stops the server after.
    static func withServer<Result: Sendable>(
        _ body: @Sendable (DirectUpstream) async throws -> Result
    ) async throws -> Result {
        let transport = DirectServerTransport()
        let server = GRPCServer(transport: transport, services: [EchoService()])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return try await body(DirectUpstream(transport: transport))
        }
    }

    @Test("unary: the handler's response and metadata come back")
    func unary() async throws {
        let response = try await Self.withServer { upstream in
            try await upstream.unary(Echo.Echo.descriptor, request: try Self.request("hi"), metadata: [:], options: .defaults)
        }
        #expect(try Self.text(response.message) == "hi")
    }

    @Test("unary: a failing handler's status and trailers arrive as the RPCError")
    func unaryError() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await Self.withServer { upstream in
                try await upstream.unary(
                    Echo.Echo.descriptor,
                    request: try Self.request("fail"),
                    metadata: [:],
                    options: .defaults
                )
            }
        }
        #expect(error?.code == .invalidArgument)
        #expect(error.map { Array($0.metadata[stringValues: "x-hv-reason"]) } == ["requested"])
    }

    @Test("a call made before the server listens waits for it")
    func callBeforeListen() async throws {
        let transport = DirectServerTransport()
        let server = GRPCServer(transport: transport, services: [EchoService()])
        let upstream = DirectUpstream(transport: transport)
        let call = Task {
            try await upstream.unary(Echo.Echo.descriptor, request: try Self.request("early"), metadata: [:], options: .defaults)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            let response = try await call.value
            #expect(try Self.text(response.message) == "early")
        }
    }

    @Test("after shutdown, calls fail with UNAVAILABLE")
    func afterShutdown() async throws {
        let transport = DirectServerTransport()
        let server = GRPCServer(transport: transport, services: [EchoService()])
        let upstream = DirectUpstream(transport: transport)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            _ = try await upstream.unary(Echo.Echo.descriptor, request: try Self.request("up"), metadata: [:], options: .defaults)
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        let error = await #expect(throws: RPCError.self) {
            try await upstream.unary(
                Echo.Echo.descriptor,
                request: try Self.request("late"),
                metadata: [:],
                options: .defaults
            )
        }
        #expect(error?.code == .unavailable)
    }

    @Test("server streaming: every message, in order, then the end")
    func serverStreaming() async throws {
        let texts = try await Self.withServer { upstream in
            try await upstream.serverStreaming(
                Echo.Expand.descriptor,
                request: try Self.request("a b c"),
                metadata: [:],
                options: .defaults
            ) { response in
                var texts: [String] = []
                for try await message in response.messages { texts.append(try Self.text(message)) }
                return texts
            }
        }
        #expect(texts == ["a", "b", "c"])
    }

    @Test("bidirectional streaming: the producer's messages reach the handler and its replies come back")
    func bidirectional() async throws {
        let texts = try await Self.withServer { upstream in
            try await upstream.bidirectionalStreaming(
                Echo.Update.descriptor,
                metadata: [:],
                options: .defaults,
                producer: { writer in
                    for text in ["x", "y", "z"] { try await writer.write(try Self.request(text)) }
                },
                onResponse: { response in
                    var texts: [String] = []
                    for try await message in response.messages { texts.append(try Self.text(message)) }
                    return texts
                }
            )
        }
        #expect(texts == ["x", "y", "z"])
    }

    @Test(
        "the deadline travels as grpc-timeout (CoreTransport's wire form)",
        arguments: [
            (Duration.milliseconds(250), "250000u"), (.seconds(2), "2000000u"), (.microseconds(10), "10000n"),
            (.seconds(200_000), "200000S"), (.seconds(400_000_000), "6666667M"),
            (.seconds(7_000_000_000), "1944445H"),
        ]
    )
    func timeoutHeader(_ timeout: Duration, _ expected: String) {
        var metadata: Metadata = [:]
        metadata.setTimeout(timeout)
        #expect(Array(metadata[stringValues: "grpc-timeout"]) == [expected])
    }
}
