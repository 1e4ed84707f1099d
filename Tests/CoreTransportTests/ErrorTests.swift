import CoreTransport
import GRPCCore
import GRPCProtobuf
import Testing

@Suite("Errors over the C core")
struct ErrorTests {
    @Test("a google.rpc.Status with details survives the trip")
    func statusDetails() async throws {
        try await TransportHarness.run { client, _, _ in
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unaryBytes([1], metadata: ["x-fail": "1"]).message
            }
            let rpcError = try #require(error)
            #expect(rpcError.code == .failedPrecondition)
            #expect(rpcError.message == "failure requested by x-fail")
            let status = try #require(try rpcError.unpackGoogleRPCStatus())
            #expect(status.details.count == 1)
            let info = try #require(status.details.first?.errorInfo)
            #expect(info.reason == "REQUESTED_FAILURE")
            #expect(info.domain == "harvestry.io")
            #expect(info.metadata == ["field": "x-fail"])
        }
    }

    @Test("an unknown method gets UNIMPLEMENTED")
    func unknownMethod() async throws {
        try await TransportHarness.run { client, _, _ in
            let missing = MethodDescriptor(fullyQualifiedService: "harvestry.nothing.v1.NoService", method: "Nope")
            let error = await #expect(throws: RPCError.self) { _ = try await client.unaryBytes(method: missing, [1]).message }
            #expect(error?.code == .unimplemented)
        }
    }

    @Test("a message over the server's limit gets RESOURCE_EXHAUSTED and the server keeps serving")
    func oversizedRequest() async throws {
        try await TransportHarness.run(
            server: .init(maxReceiveMessageBytes: 1024),
            client: .init(maxSendMessageBytes: 1 << 20)
        ) { client, _, _ in
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unaryBytes([UInt8](repeating: 1, count: 4096)).message
            }
            #expect(error?.code == .resourceExhausted)
            let echoed = try await client.unaryBytes([1, 2]).message
            #expect(echoed == [1, 2])
        }
    }

    @Test("a response over the client's limit gets RESOURCE_EXHAUSTED")
    func oversizedResponse() async throws {
        try await TransportHarness.run(client: .init(maxReceiveMessageBytes: 1024)) { client, _, _ in
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unaryBytes([UInt8](repeating: 1, count: 2048)).message
            }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test("invalid server configuration is refused with the field named")
    func invalidConfig() async throws {
        let transport = CoreServerTransport(host: "127.0.0.1", port: 0, config: .init(completionQueues: 0))
        let error = await #expect(throws: TransportSetupError.self) {
            try await transport.listen { _, _ in }
        }
        #expect(error?.message.contains("completionQueues") == true)
    }

    @Test("binding a port in use fails with a clear error")
    func portInUse() async throws {
        try await TransportHarness.runServer { transport in
            let address = try await transport.listeningAddress
            let second = CoreServerTransport(host: "127.0.0.1", port: address.port)
            let error = await #expect(throws: TransportSetupError.self) { try await second.listen { _, _ in } }
            #expect(error?.code == .bindFailed)
        }
    }

    @Test("a missing TLS file is named in the error")
    func missingPEM() async throws {
        let tls = TLSFiles(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        let transport = CoreServerTransport(host: "127.0.0.1", port: 0, config: .init(tls: tls))
        let error = await #expect(throws: TransportSetupError.self) { try await transport.listen { _, _ in } }
        #expect(error?.message.contains("/nonexistent/cert.pem") == true)
    }
}
