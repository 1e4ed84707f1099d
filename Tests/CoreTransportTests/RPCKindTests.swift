import CoreTransport
import GRPCCore
import Testing

@Suite("Every RPC kind over the C core")
struct RPCKindTests {
    @Test("unary echoes the message and reports the peer")
    func unary() async throws {
        let service = ConformanceService()
        try await TransportHarness.run(services: [service]) { client, _, _ in
            let response = try await client.unaryBytes(Array("hello".utf8))
            #expect(try response.message == Array("hello".utf8))
        }
        let peer = try #require(service.probe.peers.first)
        #expect(peer.hasPrefix("ipv4:127.0.0.1:"))
    }

    @Test("server streaming delivers every message in order")
    func serverStreaming() async throws {
        try await TransportHarness.run { client, _, _ in
            let received = try await client.serverStreaming(
                request: ClientRequest(message: [200]),
                descriptor: ConformanceService.serverStream,
                serializer: BytesCodec(),
                deserializer: BytesCodec(),
                options: .defaults
            ) { response in
                var messages: [[UInt8]] = []
                for try await message in response.messages { messages.append(message) }
                return messages
            }
            #expect(received == (0..<200).map { [UInt8($0)] })
        }
    }

    @Test("client streaming sees every message")
    func clientStreaming() async throws {
        try await TransportHarness.run { client, _, _ in
            let summary = try await client.clientStreaming(
                request: StreamingClientRequest { writer in
                    for index in 0..<100 { try await writer.write([UInt8](repeating: 7, count: index)) }
                },
                descriptor: ConformanceService.clientStream,
                serializer: BytesCodec(),
                deserializer: BytesCodec(),
                options: .defaults
            ) { try $0.message }
            #expect(String(decoding: summary, as: UTF8.self) == "100 messages, 4950 bytes")
        }
    }

    @Test("bidirectional streaming answers each message before the next is sent")
    func bidirectional() async throws {
        try await TransportHarness.run { client, _, _ in
            let (requests, continuation) = AsyncStream<[UInt8]>.makeStream()
            let echoed = try await client.bidirectionalStreaming(
                request: StreamingClientRequest { writer in
                    for await message in requests { try await writer.write(message) }
                },
                descriptor: ConformanceService.bidi,
                serializer: BytesCodec(),
                deserializer: BytesCodec(),
                options: .defaults
            ) { response in
                var iterator = response.messages.makeAsyncIterator()
                var seen: [[UInt8]] = []
                // Ping-pong: the next request goes out only after the previous answer came back.
                for index in 0..<50 {
                    continuation.yield([UInt8(index)])
                    guard let answer = try await iterator.next() else { break }
                    seen.append(answer)
                }
                continuation.finish()
                return seen
            }
            #expect(echoed == (0..<50).map { [UInt8($0)] })
        }
    }

    @Test("8 MiB messages both ways when the limits allow them")
    func largeMessages() async throws {
        let limit = 16 * 1024 * 1024
        try await TransportHarness.run(
            server: .init(maxReceiveMessageBytes: limit, maxSendMessageBytes: limit),
            client: .init(maxReceiveMessageBytes: limit, maxSendMessageBytes: limit)
        ) { client, _, _ in
            let payload = (0..<(8 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let response = try await client.unaryBytes(payload)
            #expect(try response.message == payload)
        }
    }

    @Test("gzip compression on both sides round-trips messages")
    func gzip() async throws {
        try await TransportHarness.run(server: .init(compression: .gzip), client: .init(compression: .gzip)) {
            client, _, _ in
            let payload = [UInt8](repeating: 42, count: 100_000)
            let result = try await client.unaryBytes(payload).message
            #expect(result == payload)
        }
    }

    @Test("IPv6 loopback works too")
    func ipv6() async throws {
        try await TransportHarness.run(host: "::1") { client, transport, _ in
            let address = try await transport.listeningAddress
            #expect(address.description.hasPrefix("[::1]:"))
            let result = try await client.unaryBytes([1, 2, 3]).message
            #expect(result == [1, 2, 3])
        }
    }
}
