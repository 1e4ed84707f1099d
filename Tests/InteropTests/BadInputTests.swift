import API
import CoreTransport
import GRPCCore
import GRPCProtobuf
import Foundation
import SwiftProtobuf
import Testing

/// What the real server does with input no well-behaved client sends.
@Suite("Bad input to the server")
struct BadInputTests {
    struct RawBytes: MessageSerializer, MessageDeserializer {
        func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
        func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
    }

    static let malformed: [[UInt8]] = [
        [0xFF, 0xFF, 0xFF, 0xFF],  // field number 0x1FFFFFFF... truncated varint
        [0x0A, 0x05, 0x61],  // length-delimited field claiming 5 bytes, 1 present
        [0x0A, 0x02, 0xC3, 0x28],  // text field with invalid UTF-8
        [0x07],  // wire type 7 does not exist
    ]

    @Test("a malformed protobuf body gets INVALID_ARGUMENT or INTERNAL, and the server keeps serving", arguments: malformed)
    func malformedBody(body: [UInt8]) async throws {
        try await ServerFixture.withServer { target in
            try await withGRPCClient(transport: try CoreClientTransport(target: target)) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await client.unary(
                        request: ClientRequest(message: body),
                        descriptor: Harvestry_Echo_V1_EchoService.Method.Echo.descriptor,
                        serializer: RawBytes(),
                        deserializer: RawBytes(),
                        options: .defaults
                    ) { try $0.message }
                }
                #expect([.invalidArgument, .internalError].contains(error?.code))
                let echo = Harvestry_Echo_V1_EchoService.Client(wrapping: client)
                let reply = try await echo.echo(.with { $0.text = "still here" })
                #expect(reply.text == "still here")
            }
        }
    }

    @Test("an unknown method gets UNIMPLEMENTED")
    func unknownMethod() async throws {
        try await ServerFixture.withServer { target in
            try await withGRPCClient(transport: try CoreClientTransport(target: target)) { client in
                let error = await #expect(throws: RPCError.self) {
                    try await client.unary(
                        request: ClientRequest(message: [UInt8]()),
                        descriptor: MethodDescriptor(fullyQualifiedService: "harvestry.echo.v1.EchoService", method: "Nope"),
                        serializer: RawBytes(),
                        deserializer: RawBytes(),
                        options: .defaults
                    ) { try $0.message }
                }
                #expect(error?.code == .unimplemented)
            }
        }
    }

    @Test("a message over the size limit gets RESOURCE_EXHAUSTED")
    func oversized() async throws {
        try await ServerFixture.withServer { target in
            let transport = try CoreClientTransport(
                target: target,
                config: .init(maxSendMessageBytes: 64 << 20)
            )
            try await withGRPCClient(transport: transport) { client in
                let echo = Harvestry_Echo_V1_EchoService.Client(wrapping: client)
                let error = await #expect(throws: RPCError.self) {
                    _ = try await echo.echo(.with { $0.payload = Data(count: 5 << 20) })
                }
                #expect(error?.code == .resourceExhausted)
            }
        }
    }
}
