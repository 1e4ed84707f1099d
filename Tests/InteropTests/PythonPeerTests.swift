import API
import CoreTransport
import GRPCCore
import GRPCProtobuf
import Foundation
import SwiftProtobuf
import TestSupport
import Testing

/// Interop with grpcio (Python's binding of the C core, written by others): both directions.
@Suite("Interop with python grpcio")
struct PythonPeerTests {
    @Test("python grpcio client against our server: every RPC kind, errors, unknown methods")
    func pythonClientAgainstOurServer() async throws {
        try await ServerFixture.withServer { target in
            let result = try await Peer.run(["python3", "scripts/interop/echo_client.py", "--target", target])
            #expect(result.status == 0, "echo_client.py failed:\n\(result.output)")
            #expect(result.output.contains("8 passed, 0 failed"), "\(result.output)")
        }
    }

    @Test("our client against a python grpcio server: unary, server, client and bidi streaming, errors")
    func ourClientAgainstPythonServer() async throws {
        let (peer, port) = try await Peer.start(["python3", "scripts/interop/echo_server.py", "--port", "0"])
        let transport = try CoreClientTransport(target: "127.0.0.1:\(port)")
        try await Self.exercise(transport)
        await peer.stop()
    }

    private static func exercise(_ transport: CoreClientTransport) async throws {
        try await withGRPCClient(transport: transport) { grpcClient in
            let client = Harvestry_Echo_V1_EchoService.Client(wrapping: grpcClient)
            let echoed = try await client.echo(.with { $0.text = "hello"; $0.payload = Data([1, 2, 3]) })
            #expect(echoed.text == "hello")
            #expect(echoed.payload == Data([1, 2, 3]))

            let words = try await client.expand(.with { $0.text = "a bb ccc" }) { response in
                var words: [String] = []
                for try await message in response.messages { words.append(message.text) }
                return words
            }
            #expect(words == ["a", "bb", "ccc"])

            let joined = try await client.collect(
                request: StreamingClientRequest { writer in
                    for text in ["x", "y", "z"] { try await writer.write(.with { $0.text = text }) }
                }
            )
            #expect(joined.text == "x y z")

            let updates = try await client.update(
                request: StreamingClientRequest { writer in
                    for index in 0..<20 { try await writer.write(.with { $0.text = "\(index)" }) }
                }
            ) { response in
                var texts: [String] = []
                for try await message in response.messages { texts.append(message.text) }
                return texts
            }
            #expect(updates == (0..<20).map { "\($0)" })

            let error = await #expect(throws: RPCError.self) { _ = try await client.echo(.with { $0.text = "fail" }) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message == "requested failure")
            #expect(error.map { Array($0.metadata[stringValues: "x-hv-reason"]) } == ["requested"])
        }
    }
}
