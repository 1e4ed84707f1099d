import CoreTransport
import GRPCCore
import Testing

@Suite("TLS from PEM files over the C core")
struct TLSTests {
    @Test("TLS on both sides: the client verifies the server against the CA")
    func serverTLS() async throws {
        let certs = try TestCertificates.make()
        let server = CoreServerTransport.Config(
            tls: TLSFiles(certificateChainPath: certs.serverCertPath, privateKeyPath: certs.serverKeyPath)
        )
        let client = CoreClientTransport.Config(tls: TLSFiles(trustRootsPath: certs.caPath))
        try await TransportHarness.run(server: server, client: client) { client, _, _ in
            let echoed = try await client.unaryBytes([1, 2, 3]).message
            #expect(echoed == [1, 2, 3])
        }
    }

    @Test("a plaintext client cannot talk to a TLS server")
    func plaintextRefused() async throws {
        let certs = try TestCertificates.make()
        let server = CoreServerTransport.Config(
            tls: TLSFiles(certificateChainPath: certs.serverCertPath, privateKeyPath: certs.serverKeyPath)
        )
        try await TransportHarness.run(server: server) { client, _, _ in
            var options = CallOptions.defaults
            options.timeout = .seconds(20)
            let error = await #expect(throws: RPCError.self) { _ = try await client.unaryBytes([1], options: options).message }
            #expect(error?.code == .unavailable)
        }
    }

    @Test("mutual TLS: a client certificate is required and verified")
    func mutualTLS() async throws {
        let certs = try TestCertificates.make()
        let server = CoreServerTransport.Config(
            tls: TLSFiles(
                certificateChainPath: certs.serverCertPath,
                privateKeyPath: certs.serverKeyPath,
                trustRootsPath: certs.caPath,
                requireClientCertificate: true
            )
        )
        let withCertificate = CoreClientTransport.Config(
            tls: TLSFiles(
                certificateChainPath: certs.clientCertPath,
                privateKeyPath: certs.clientKeyPath,
                trustRootsPath: certs.caPath
            )
        )
        try await TransportHarness.run(server: server, client: withCertificate) { client, _, _ in
            let echoed = try await client.unaryBytes([4]).message
            #expect(echoed == [4])
        }
        let withoutCertificate = CoreClientTransport.Config(tls: TLSFiles(trustRootsPath: certs.caPath))
        try await TransportHarness.run(server: server, client: withoutCertificate) { client, _, _ in
            var options = CallOptions.defaults
            options.timeout = .seconds(20)
            let error = await #expect(throws: RPCError.self) { _ = try await client.unaryBytes([4], options: options).message }
            #expect(error?.code == .unavailable)
        }
    }

    @Test("keepalive settings are accepted and calls still work")
    func keepalive() async throws {
        let keepalive = Keepalive(interval: .seconds(10), timeout: .seconds(5), permitWithoutCalls: true)
        try await TransportHarness.run(server: .init(keepalive: keepalive), client: .init(keepalive: keepalive)) {
            client, _, _ in
            let echoed = try await client.unaryBytes([7]).message
            #expect(echoed == [7])
        }
    }
}
